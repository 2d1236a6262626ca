/**
 * Instance mappings (cells v2's instance_mappings: which cell owns an instance, written before the
 * build is sent, its cell filled in once a leaf has it) with the API-side attributes of each server:
 * what the owner changed after boot (name, description, access IPs, metadata, tags, lock) lives here
 * until the cells carry updates. This is the only instance_mappings table of the API cell: the REST
 * API writes the attributes, the tree's ApiCell (cells/tree/api-cell.ts) the mapping before a build
 * is sent, its cell as leaves report the instance, and its deleted_at (Nova's queued_for_delete).
 * In a one-cell deployment (SingleCellPort) the cell stays null: there is only the one.
 */
import type { Db } from '../../../runtime/db/index.ts';
import type { InstanceMapping, ServerAttrs } from './types.ts';

export class InstanceMappingRepo {
  private readonly byUuid = new Map<string, InstanceMapping>();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('instance_mappings').select()) {
      this.byUuid.set(String(r.instance_uuid), {
        uuid: String(r.instance_uuid), projectId: String(r.project_id), userId: String(r.user_id),
        cell: (r.cell as string | null) ?? null, attrs: JSON.parse(String(r.attrs)), createdAt: Number(r.created_at),
        deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
      });
    }
  }

  get(uuid: string): InstanceMapping | undefined {
    return this.byUuid.get(uuid);
  }

  /** Every mapping of a server not deleted. */
  live(): InstanceMapping[] {
    return [...this.byUuid.values()].filter((m) => m.deletedAt === null);
  }

  attrs(uuid: string): ServerAttrs {
    return this.byUuid.get(uuid)?.attrs ?? {};
  }

  /** Write a mapping; a second write for the same instance keeps the cell and merges the attributes. */
  async create(m: InstanceMapping): Promise<void> {
    const prior = this.byUuid.get(m.uuid);
    if (prior) m = { ...m, cell: m.cell ?? prior.cell, attrs: { ...prior.attrs, ...m.attrs }, createdAt: prior.createdAt };
    this.byUuid.set(m.uuid, m);
    await this.db('instance_mappings')
      .insert({
        instance_uuid: m.uuid, project_id: m.projectId, user_id: m.userId, cell: m.cell, attrs: JSON.stringify(m.attrs),
        created_at: m.createdAt, deleted_at: m.deletedAt,
      })
      .onConflict('instance_uuid')
      .merge();
  }

  /** The cell that holds the instance now (a leaf's path), as the instance updates report it. */
  async setCell(uuid: string, cell: string): Promise<void> {
    const m = this.byUuid.get(uuid);
    if (!m || m.cell === cell) return;
    m.cell = cell;
    await this.db('instance_mappings').where({ instance_uuid: uuid }).update({ cell });
  }

  /** Merge a change into a server's API-side attributes. */
  async patch(uuid: string, patch: ServerAttrs): Promise<ServerAttrs> {
    const m = this.byUuid.get(uuid);
    if (!m) return patch;
    m.attrs = { ...m.attrs, ...patch };
    await this.db('instance_mappings').where({ instance_uuid: uuid }).update({ attrs: JSON.stringify(m.attrs) });
    return m.attrs;
  }

  /** Drop mappings of servers deleted before `before` (ms) from memory (their rows go by db-purge). */
  forgetDeleted(before: number): number {
    let n = 0;
    for (const [uuid, m] of this.byUuid) {
      if (m.deletedAt !== null && m.deletedAt < before) {
        this.byUuid.delete(uuid);
        n++;
      }
    }
    return n;
  }

  async markDeleted(uuid: string, now: number): Promise<void> {
    const m = this.byUuid.get(uuid);
    if (!m || m.deletedAt !== null) return;
    m.deletedAt = now;
    await this.db('instance_mappings').where({ instance_uuid: uuid }).update({ deleted_at: now });
  }
}
