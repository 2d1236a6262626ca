/**
 * Where console tokens get their randomness: the operating system's CSPRNG. A token is a credential,
 * so it must not come from the seeded Rng that makes simulations repeatable; tests inject their own.
 */
import { randomBytes } from 'node:crypto';

export type SecretBytes = (n: number) => Uint8Array;

export const osSecretBytes: SecretBytes = (n) => randomBytes(n);
