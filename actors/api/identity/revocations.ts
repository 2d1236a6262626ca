/**
 * TokenRevocations: the port where revoked tokens are remembered, by audit id (Keystone revokes by
 * audit id too), until they would have expired anyway. In memory here; a database-backed one can
 * take its place so that every API process sees the same revocations.
 */

export interface TokenRevocations {
  /** Remember that the token with this audit id is revoked; `expiresAt` (ms) bounds how long. */
  revoke(auditId: string, expiresAt: number): Promise<void>;
  isRevoked(auditId: string): Promise<boolean>;
  /** Forget revocations of tokens expired before `now` (ms). */
  prune(now: number): Promise<void>;
}

export class InMemoryTokenRevocations implements TokenRevocations {
  private readonly revoked = new Map<string, number>();

  async revoke(auditId: string, expiresAt: number): Promise<void> {
    this.revoked.set(auditId, Math.max(expiresAt, this.revoked.get(auditId) ?? 0));
  }

  async isRevoked(auditId: string): Promise<boolean> {
    return this.revoked.has(auditId);
  }

  async prune(now: number): Promise<void> {
    for (const [id, exp] of this.revoked) if (exp <= now) this.revoked.delete(id);
  }

  /** Number of revocations held (for tests and metrics). */
  get size(): number {
    return this.revoked.size;
  }
}
