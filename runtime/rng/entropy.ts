/** The one place a deployment draws a seed from the OS, so real runs differ while simulations repeat. */
import { randomBytes } from 'node:crypto';
import { SeededRng } from './rng.ts';

export function entropyRng(): SeededRng {
  return new SeededRng(randomBytes(16).toString('hex'));
}
