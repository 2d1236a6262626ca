/** Rng: seeded randomness with named streams and deterministic uuid4. */
export type { Rng, RandomStream } from './rng.ts';
export { SeededRng } from './rng.ts';
export { entropyRng } from './entropy.ts';
