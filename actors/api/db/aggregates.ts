/** Host aggregates (availability zones are aggregates with a zone), kept in memory and written through. */
import type { Db } from '../../../runtime/db/index.ts';
import type { Aggregate } from './types.ts';

function toRow(a: Aggregate): Record<string, unknown> {
  return {
    id: a.id, uuid: a.uuid, name: a.name, availability_zone: a.availabilityZone, hosts: JSON.stringify(a.hosts),
    metadata: JSON.stringify(a.metadata), created_at: a.createdAt, updated_at: a.updatedAt,
  };
}

export class AggregateRepo {
  private readonly byId = new Map<number, Aggregate>();
  private nextId = 1;

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('aggregates').select()) {
      const a: Aggregate = {
        id: Number(r.id), uuid: String(r.uuid), name: String(r.name), availabilityZone: (r.availability_zone as string | null) ?? null,
        hosts: JSON.parse(String(r.hosts)), metadata: JSON.parse(String(r.metadata)), createdAt: Number(r.created_at),
        updatedAt: r.updated_at === null ? null : Number(r.updated_at),
      };
      this.byId.set(a.id, a);
      this.nextId = Math.max(this.nextId, a.id + 1);
    }
  }

  get(id: number): Aggregate | undefined {
    return this.byId.get(id);
  }

  byUuid(uuid: string): Aggregate | undefined {
    for (const a of this.byId.values()) if (a.uuid === uuid) return a;
    return undefined;
  }

  byName(name: string): Aggregate | undefined {
    for (const a of this.byId.values()) if (a.name === name) return a;
    return undefined;
  }

  all(): Aggregate[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** The availability zone of a host: the zone of an aggregate it is in, else undefined. */
  zoneOf(host: string): string | undefined {
    for (const a of this.all()) if (a.availabilityZone && a.hosts.includes(host)) return a.availabilityZone;
    return undefined;
  }

  async create(a: Omit<Aggregate, 'id'>, id?: number): Promise<Aggregate> {
    const agg: Aggregate = { ...a, id: id ?? this.nextId };
    this.nextId = Math.max(this.nextId, agg.id + 1);
    this.byId.set(agg.id, agg);
    await this.db('aggregates').insert(toRow(agg));
    return agg;
  }

  async save(a: Aggregate, now: number): Promise<Aggregate> {
    a.updatedAt = now;
    await this.db('aggregates').where({ id: a.id }).update(toRow(a));
    return a;
  }

  async delete(a: Aggregate): Promise<void> {
    this.byId.delete(a.id);
    await this.db('aggregates').where({ id: a.id }).delete();
  }
}
