/**
 * Nova's ConsoleAuthToken (nova/objects/console_auth_token.py): the one-time-issued, multi-use secret
 * behind a console URL. The compute host that runs the guest mints the token (it knows the console's
 * host and port); its cell's conductor stores only the token's sha256 and the expiry beside the
 * connection details, so a copy of the database grants nothing. A token is valid for any number of
 * connections until `[consoleauth] token_ttl` seconds pass (SPICE opens several sockets per session),
 * and is purged when it expires and when its instance is deleted or leaves the host.
 *
 * Routing: the token carries nothing but randomness (a uuid4, as Nova's). A proxy finds the owning
 * cell by asking the tree for the token's hash — the same thing Nova's os-console-auth-tokens API does
 * by iterating the cell databases — so no cell path, host or signature ever appears in a URL.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The console types Nova issues tokens for, and the protocol each belongs to. */
export const CONSOLE_TYPES = {
  novnc: 'vnc',
  xvpvnc: 'vnc',
  'spice-html5': 'spice',
  serial: 'serial',
} as const;
export type ConsoleType = keyof typeof CONSOLE_TYPES;
export const consoleTypeSchema = z.enum(['novnc', 'xvpvnc', 'spice-html5', 'serial']);

/** Is `s` one of the console types we issue tokens for (user input: no plain-object lookup)? */
export function isConsoleType(s: string): s is ConsoleType {
  return Object.hasOwn(CONSOLE_TYPES, s);
}

/** What a proxy needs to reach the console once the token checks out (Nova's connect_info). */
export const connectInfoSchema = z.object({
  instanceUuid: z.string(),
  consoleType: consoleTypeSchema,
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  internalAccessPath: z.string().nullable(),
  /** The compute host that issued the token and validates the port. */
  computeHost: z.string(),
  /** Clock ms after which the token is refused. */
  expires: z.number(),
});
export type ConnectInfo = z.infer<typeof connectInfoSchema>;

/** The stored row: the token only as its hash. */
export interface ConsoleAuthRecord extends ConnectInfo {
  tokenHash: string;
  createdAt: number;
}

/** What the compute host hands back when it issues a token (the clear token travels only in answers). */
export const issuedConsoleSchema = z.object({
  token: z.string(),
  connect: connectInfoSchema.omit({ expires: true }),
});
export type IssuedConsole = z.infer<typeof issuedConsoleSchema>;

/** Nova's token shape: a uuid4 from 16 random bytes (version and variant bits set). */
export function newConsoleToken(random16: Uint8Array): string {
  if (random16.length !== 16) throw new Error('a console token needs 16 random bytes');
  const b = Buffer.from(random16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** sha256 of the token as hex, Nova's token_hash. */
export function hashConsoleToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A token hash as it may appear on the bus: 64 lowercase hex digits, nothing else. */
export const tokenHashSchema = z.string().regex(/^[0-9a-f]{64}$/);
