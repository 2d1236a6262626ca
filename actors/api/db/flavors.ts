/**
 * Flavors with their extra specs and access lists. The repository keeps every flavor in memory (they
 * are few and read on every server request) and writes each change through to the API database
 * before the caller answers.
 */
import type { Db } from '../../../runtime/db/index.ts';
import type { Flavor } from './types.ts';

function toRow(f: Flavor): Record<string, unknown> {
  return {
    internal_id: f.internalId, flavorid: f.id, name: f.name, vcpus: f.vcpus, memory_mb: f.ram, root_gb: f.disk,
    ephemeral_gb: f.ephemeral, swap: f.swap, rxtx_factor: f.rxtxFactor, is_public: f.isPublic, description: f.description,
    extra_specs: JSON.stringify(f.extraSpecs), projects: JSON.stringify(f.projects), created_at: f.createdAt, updated_at: f.updatedAt,
  };
}

function fromRow(r: Record<string, unknown>): Flavor {
  return {
    internalId: Number(r.internal_id), id: String(r.flavorid), name: String(r.name), vcpus: Number(r.vcpus),
    ram: Number(r.memory_mb), disk: Number(r.root_gb), ephemeral: Number(r.ephemeral_gb), swap: Number(r.swap),
    rxtxFactor: Number(r.rxtx_factor), isPublic: Boolean(r.is_public), description: (r.description as string | null) ?? null,
    extraSpecs: JSON.parse(String(r.extra_specs)), projects: JSON.parse(String(r.projects)),
    createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}

export type NewFlavor = Omit<Flavor, 'internalId' | 'createdAt' | 'updatedAt'>;

export class FlavorRepo {
  private readonly byId = new Map<string, Flavor>();
  private nextId = 1;

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('flavors').select()) {
      const f = fromRow(r);
      this.byId.set(f.id, f);
      this.nextId = Math.max(this.nextId, f.internalId + 1);
    }
  }

  get(id: string): Flavor | undefined {
    return this.byId.get(id);
  }

  byName(name: string): Flavor | undefined {
    for (const f of this.byId.values()) if (f.name === name) return f;
    return undefined;
  }

  /** Every flavor, in Nova's default order (flavors.id). */
  all(): Flavor[] {
    return [...this.byId.values()].sort((a, b) => a.internalId - b.internalId);
  }

  async create(input: NewFlavor, now: number): Promise<Flavor> {
    const f: Flavor = { ...input, internalId: this.nextId++, createdAt: now, updatedAt: null };
    this.byId.set(f.id, f);
    await this.db('flavors').insert(toRow(f));
    return f;
  }

  async update(f: Flavor, patch: Partial<Pick<Flavor, 'description' | 'extraSpecs' | 'projects'>>, now: number): Promise<Flavor> {
    Object.assign(f, patch, { updatedAt: now });
    await this.db('flavors').where({ internal_id: f.internalId }).update(toRow(f));
    return f;
  }

  async delete(f: Flavor): Promise<void> {
    this.byId.delete(f.id);
    await this.db('flavors').where({ internal_id: f.internalId }).delete();
  }
}
