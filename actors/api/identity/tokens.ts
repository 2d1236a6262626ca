/**
 * Tokens, in the spirit of Keystone's Fernet tokens: nothing is stored when a token is issued; the
 * token itself carries who, which scope, which roles, when issued and when it expires, signed with
 * HMAC-SHA256 under a secret only the identity service holds. Validation checks the signature, the
 * expiry against the injected Clock, and the revocation list.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../runtime/clock/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import type { TokenRevocations } from './revocations.ts';

/** Keystone's `[token] expiration` default, in seconds. */
export const DEFAULT_TOKEN_EXPIRATION_S = 3600;

export type TokenScope = { project: string } | { domain: string } | null;

export interface TokenPayload {
  userId: string;
  methods: string[];
  scope: TokenScope;
  /** Role names in the scope (empty when unscoped). */
  roles: string[];
  issuedAt: number;
  expiresAt: number;
  /** This token's audit id first, then the one of the token it was obtained with, if any. */
  auditIds: string[];
}

export interface IssuedToken {
  id: string;
  payload: TokenPayload;
}

export type InvalidTokenReason = 'malformed' | 'signature' | 'expired' | 'revoked';

export class InvalidToken extends Error {
  constructor(readonly reason: InvalidTokenReason) {
    super(`token ${reason}`);
    this.name = 'InvalidToken';
  }
}

export interface TokenProviderOptions {
  /** Signing key; keep it secret and the same across the processes that validate tokens. */
  secret: string | Uint8Array;
  clock: Clock;
  /** Audit ids are drawn from it. */
  rng: RandomStream;
  revocations: TokenRevocations;
  expirationSeconds?: number;
}

type Wire = [1, string, string[], 'p' | 'd' | '', string, string[], number, number, string[]];

const SIGNING_TAG = 'novacell-token-v1.';

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

function fromWire(w: unknown): TokenPayload | undefined {
  if (!isList(w) || w.length !== 9 || w[0] !== 1) return undefined;
  const [, userId, methods, kind, scopeId, roles, issuedAt, expiresAt, auditIds] = w;
  if (typeof userId !== 'string' || !isStringArray(methods) || !isStringArray(roles) || !isStringArray(auditIds)) return undefined;
  if (typeof scopeId !== 'string' || typeof issuedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
  let scope: TokenScope;
  if (kind === 'p') scope = { project: scopeId };
  else if (kind === 'd') scope = { domain: scopeId };
  else if (kind === '') scope = null;
  else return undefined;
  if (auditIds.length === 0) return undefined;
  return { userId, methods, scope, roles, issuedAt, expiresAt, auditIds };
}

function toWire(p: TokenPayload): Wire {
  const [kind, id] = p.scope === null ? ['' as const, ''] : 'project' in p.scope ? ['p' as const, p.scope.project] : ['d' as const, p.scope.domain];
  return [1, p.userId, p.methods, kind, id, p.roles, p.issuedAt, p.expiresAt, p.auditIds];
}

export class TokenProvider {
  readonly expirationMs: number;
  private readonly secret: string | Uint8Array;

  constructor(private readonly opts: TokenProviderOptions) {
    if (opts.secret.length < 16) throw new Error('identity: the token secret must be at least 16 characters');
    this.secret = opts.secret;
    this.expirationMs = (opts.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_S) * 1000;
  }

  /** A Keystone audit id: 16 random bytes, urlsafe base64 without padding (22 characters). */
  newAuditId(): string {
    return Buffer.from(this.opts.rng.hex(16), 'hex').toString('base64url');
  }

  /**
   * Issue a token. `inheritFrom` is the token used to obtain this one (the "token" auth method): the
   * new token keeps its expiry and chains its audit id, as Keystone does.
   */
  issue(claims: { userId: string; methods: string[]; scope: TokenScope; roles: string[] }, inheritFrom?: TokenPayload): IssuedToken {
    const issuedAt = this.opts.clock.now();
    const payload: TokenPayload = {
      ...claims,
      issuedAt,
      expiresAt: inheritFrom ? inheritFrom.expiresAt : issuedAt + this.expirationMs,
      auditIds: inheritFrom ? [this.newAuditId(), inheritFrom.auditIds[0]!] : [this.newAuditId()],
    };
    return { id: this.encode(payload), payload };
  }

  /** The payload of a well-signed token, expired or not; undefined for anything else. */
  decode(token: string): TokenPayload | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 4096) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const want = this.sign(body);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
    try {
      return fromWire(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
  }

  /** The payload of a valid token; rejects with InvalidToken saying why not. */
  async validate(token: string): Promise<TokenPayload> {
    const dot = token.indexOf('.');
    if (dot <= 0) throw new InvalidToken('malformed');
    const payload = this.decode(token);
    if (!payload) throw new InvalidToken('signature');
    if (this.opts.clock.now() >= payload.expiresAt) throw new InvalidToken('expired');
    if (await this.opts.revocations.isRevoked(payload.auditIds[0]!)) throw new InvalidToken('revoked');
    return payload;
  }

  async revoke(payload: TokenPayload): Promise<void> {
    await this.opts.revocations.prune(this.opts.clock.now());
    await this.opts.revocations.revoke(payload.auditIds[0]!, payload.expiresAt);
  }

  private encode(p: TokenPayload): string {
    const body = Buffer.from(JSON.stringify(toWire(p)), 'utf8').toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(SIGNING_TAG).update(body).digest();
  }
}

/** Keystone's timestamp format: `2026-11-26T05:00:00.000000Z` (microseconds, UTC). */
export function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
