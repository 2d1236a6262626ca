/**
 * Password hashes: salted scrypt (node:crypto), stored as `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` (base64),
 * never the clear text. Salts come from node:crypto randomBytes here and nowhere else: they must be
 * unpredictable, so they are the one randomness that does not come from the seeded Rng.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const SALT_BYTES = 16;
const DEFAULT_LOG_N = 14;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a password with a fresh random salt. `logN` is the scrypt cost (2^logN); tests may lower it. */
export async function hashPassword(password: string, logN = DEFAULT_LOG_N): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, { N: 2 ** logN, r: 8, p: 1, maxmem: 256 * 2 ** logN * 8 * 2 });
  return `$scrypt$ln=${logN},r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parsed {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  const logN = Number(m[1]);
  if (logN < 1 || logN > 20) return undefined;
  return { logN, r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}

/** True when `stored` has the form hashPassword produces. */
export function isPasswordHash(stored: string): boolean {
  return parse(stored) !== undefined;
}

/** Constant-time check of a password against a stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h || h.key.length === 0) return false;
  const N = 2 ** h.logN;
  const key = await scrypt(password, h.salt, { N, r: h.r, p: h.p, maxmem: 256 * N * h.r * 2 });
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/**
 * A hash that matches no password, checked when the user does not exist so that an unknown name
 * costs the same time as a wrong password.
 */
export const UNMATCHABLE_HASH =
  `$scrypt$ln=${DEFAULT_LOG_N},r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$${Buffer.alloc(KEY_LENGTH, 0xff).toString('base64')}`;
