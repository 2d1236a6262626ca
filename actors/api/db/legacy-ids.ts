/**
 * Stable integer ids for what the cells name by uuid or by host: hypervisors and services before
 * microversion 2.53 are addressed by integers, and those must not collide across cells nor change
 * between restarts.
 */
import type { Db } from '../../../runtime/db/index.ts';

export class LegacyIds {
  private readonly ids = new Map<string, number>();
  private readonly back = new Map<number, { kind: string; uuid: string }>();
  private nextId = 1;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('legacy_ids').select()) {
      this.ids.set(`${r.kind}\u0000${r.uuid}`, Number(r.id));
      this.back.set(Number(r.id), { kind: String(r.kind), uuid: String(r.uuid) });
      this.nextId = Math.max(this.nextId, Number(r.id) + 1);
    }
  }

  /** The id of (kind, uuid), assigned on first sight; the write is queued, not awaited. */
  idOf(kind: string, uuid: string): number {
    const key = `${kind}\u0000${uuid}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(key, id);
      this.back.set(id, { kind, uuid });
      const row = { id, kind, uuid };
      this.pending = this.pending.then(() => this.db('legacy_ids').insert(row).onConflict(['kind', 'uuid']).ignore()).catch(() => undefined);
    }
    return id;
  }

  /** The uuid an id stands for, when it is of this kind. */
  uuidOf(kind: string, id: number): string | undefined {
    const e = this.back.get(id);
    return e && e.kind === kind ? e.uuid : undefined;
  }

  /** Wait for queued writes (shutdown, tests). */
  flush(): Promise<unknown> {
    return this.pending;
  }
}
