/**
 * Token revocations kept in the API database (Keystone's revocation_event table, by audit id): held
 * in memory for the per-request check and written through, so a revoked token stays revoked after
 * the API restarts. Rows of tokens that have expired anyway are pruned.
 */
import type { Db } from '../../../runtime/db/index.ts';
import type { TokenRevocations } from '../identity/revocations.ts';

export class RevokedTokenRepo implements TokenRevocations {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('revoked_tokens').select()) this.revoked.set(String(r.audit_id), Number(r.expires_at));
  }

  async revoke(auditId: string, expiresAt: number): Promise<void> {
    const until = Math.max(expiresAt, this.revoked.get(auditId) ?? 0);
    this.revoked.set(auditId, until);
    await this.db('revoked_tokens').insert({ audit_id: auditId, expires_at: until }).onConflict('audit_id').merge();
  }

  async isRevoked(auditId: string): Promise<boolean> {
    return this.revoked.has(auditId);
  }

  async prune(now: number): Promise<void> {
    for (const [id, exp] of this.revoked) if (exp <= now) this.revoked.delete(id);
    await this.db('revoked_tokens').where('expires_at', '<=', now).delete();
  }

  get size(): number {
    return this.revoked.size;
  }
}
