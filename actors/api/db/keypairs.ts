/** Keypairs, per user (Nova's key_pairs table), kept in memory and written through. */
import type { Db } from '../../../runtime/db/index.ts';
import type { Keypair } from './types.ts';

function fromRow(r: Record<string, unknown>): Keypair {
  return {
    id: Number(r.id), userId: String(r.user_id), name: String(r.name), type: r.type === 'x509' ? 'x509' : 'ssh',
    publicKey: String(r.public_key), fingerprint: String(r.fingerprint), createdAt: Number(r.created_at),
  };
}

export class KeypairRepo {
  private readonly byKey = new Map<string, Keypair>();
  private nextId = 1;

  constructor(private readonly db: Db) {}

  private static key(userId: string, name: string): string {
    return `${userId}\u0000${name}`;
  }

  async load(): Promise<void> {
    for (const r of await this.db('key_pairs').select()) {
      const k = fromRow(r);
      this.byKey.set(KeypairRepo.key(k.userId, k.name), k);
      this.nextId = Math.max(this.nextId, k.id + 1);
    }
  }

  get(userId: string, name: string): Keypair | undefined {
    return this.byKey.get(KeypairRepo.key(userId, name));
  }

  /** A user's keypairs by name (Nova's order). */
  ofUser(userId: string): Keypair[] {
    return [...this.byKey.values()].filter((k) => k.userId === userId).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  count(userId: string): number {
    return this.ofUser(userId).length;
  }

  async create(k: Omit<Keypair, 'id'>): Promise<Keypair> {
    const kp: Keypair = { ...k, id: this.nextId++ };
    this.byKey.set(KeypairRepo.key(kp.userId, kp.name), kp);
    await this.db('key_pairs').insert({
      id: kp.id, user_id: kp.userId, name: kp.name, type: kp.type, public_key: kp.publicKey, fingerprint: kp.fingerprint,
      created_at: kp.createdAt,
    });
    return kp;
  }

  async delete(k: Keypair): Promise<void> {
    this.byKey.delete(KeypairRepo.key(k.userId, k.name));
    await this.db('key_pairs').where({ id: k.id }).delete();
  }
}
