/** Server groups with their members (Nova's instance_groups), kept in memory and written through. */
import type { Db } from '../../../runtime/db/index.ts';
import type { ServerGroup } from './types.ts';

function toRow(g: ServerGroup): Record<string, unknown> {
  return {
    id: g.id, uuid: g.uuid, name: g.name, project_id: g.projectId, user_id: g.userId, policy: g.policy,
    rules: JSON.stringify(g.rules), members: JSON.stringify(g.members), created_at: g.createdAt,
  };
}

export class ServerGroupRepo {
  private readonly byUuid = new Map<string, ServerGroup>();
  private nextId = 1;

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('instance_groups').select()) {
      const g: ServerGroup = {
        id: Number(r.id), uuid: String(r.uuid), name: String(r.name ?? ''), projectId: String(r.project_id),
        userId: String(r.user_id), policy: r.policy as ServerGroup['policy'], rules: JSON.parse(String(r.rules)),
        members: JSON.parse(String(r.members)), createdAt: Number(r.created_at),
      };
      this.byUuid.set(g.uuid, g);
      this.nextId = Math.max(this.nextId, g.id + 1);
    }
  }

  get(uuid: string): ServerGroup | undefined {
    return this.byUuid.get(uuid);
  }

  all(): ServerGroup[] {
    return [...this.byUuid.values()].sort((a, b) => a.id - b.id);
  }

  /** The group an instance belongs to, if any. */
  ofInstance(uuid: string): ServerGroup | undefined {
    for (const g of this.byUuid.values()) if (g.members.includes(uuid)) return g;
    return undefined;
  }

  async create(g: Omit<ServerGroup, 'id'>): Promise<ServerGroup> {
    const group: ServerGroup = { ...g, id: this.nextId++ };
    this.byUuid.set(group.uuid, group);
    await this.db('instance_groups').insert(toRow(group));
    return group;
  }

  async setMembers(g: ServerGroup, members: string[]): Promise<void> {
    g.members = members;
    await this.db('instance_groups').where({ id: g.id }).update({ members: JSON.stringify(members) });
  }

  async delete(g: ServerGroup): Promise<void> {
    this.byUuid.delete(g.uuid);
    await this.db('instance_groups').where({ id: g.id }).delete();
  }
}
