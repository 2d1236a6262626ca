/**
 * Placement, inside the cell for now: resource providers (one per compute node), their inventories and
 * the allocations consumers (instances) hold against them. A claim checks and takes capacity in one
 * synchronous step, so two schedulers in this process can never both take the last slot; the change is
 * then persisted by the cell's group-commit writer in the same transaction as the rest of the batch.
 */
import type { Db, WriteBehind } from '../../runtime/db/index.ts';

export type Resources = Record<string, number>;

export interface Inventory {
  total: number;
  reserved: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
  allocationRatio: number;
}

export interface ResourceProvider {
  uuid: string;
  name: string;
  generation: number;
  inventories: Record<string, Inventory>;
  usages: Resources;
}

export interface Allocation {
  consumerId: string;
  providerUuid: string;
  resources: Resources;
  projectId: string;
  userId: string;
  createdAt: number;
}

export type UsageListener = (rp: ResourceProvider) => void;

/** What the Placement API adds to a provider: its place in a tree, its traits and aggregates. */
export interface ProviderExtras {
  parentProviderUuid: string | null;
  traits: Set<string>;
  aggregates: string[];
}

/** A consumer of allocations as the Placement API knows it (consumer generations, 1.28). */
export interface ConsumerRecord {
  projectId: string;
  userId: string;
  consumerType: string | null;
  generation: number;
}

/** One provider's part of a consumer's allocations, as the Placement API writes them. */
export interface AllocationWrite {
  providerUuid: string;
  resources: Resources;
}

export function capacityOf(inv: Inventory): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
}

export class Placement {
  private readonly providers = new Map<string, ResourceProvider>();
  /** consumer id → its allocations (one per provider). */
  private readonly allocations = new Map<string, Allocation[]>();
  private readonly extras = new Map<string, ProviderExtras>();
  private readonly consumers = new Map<string, ConsumerRecord>();
  /** Custom resource classes and traits created through the API (kind 'rc' or 'trait'). */
  private readonly customNames = { rc: new Set<string>(), trait: new Set<string>() };

  constructor(
    private readonly writer?: WriteBehind,
    private readonly onUsage: UsageListener = () => undefined,
  ) {}

  /** Load providers and allocations from the cell database (at cell start). */
  async load(db: Db): Promise<void> {
    for (const r of await db('resource_providers').select()) {
      this.providers.set(r.uuid, {
        uuid: r.uuid, name: r.name, generation: r.generation, inventories: JSON.parse(r.inventories), usages: {},
      });
    }
    for (const a of await db('allocations').select()) {
      this.addAllocation({
        consumerId: a.consumer_id, providerUuid: a.resource_provider_uuid, resources: JSON.parse(a.resources),
        projectId: a.project_id, userId: a.user_id, createdAt: Number(a.created_at),
      });
    }
    await this.loadExtras(db);
    for (const rp of this.providers.values()) this.onUsage(rp);
  }

  private async loadExtras(db: Db): Promise<void> {
    if (!(await db.schema.hasTable('resource_provider_extras'))) return;
    for (const r of await db('resource_provider_extras').select()) {
      this.extras.set(r.uuid, { parentProviderUuid: r.parent_provider_uuid ?? null, traits: new Set(JSON.parse(r.traits)), aggregates: JSON.parse(r.aggregates) });
    }
    for (const r of await db('placement_consumers').select()) {
      this.consumers.set(r.consumer_id, { projectId: r.project_id, userId: r.user_id, consumerType: r.consumer_type ?? null, generation: r.generation });
    }
    for (const r of await db('placement_custom_names').select()) {
      const kind: unknown = r.kind;
      if (kind === 'rc' || kind === 'trait') this.customNames[kind].add(r.name);
    }
  }

  provider(uuid: string): ResourceProvider | undefined {
    return this.providers.get(uuid);
  }

  listProviders(): ResourceProvider[] {
    return [...this.providers.values()];
  }

  /** Create or update a provider's inventories (the resource tracker does this for its node). */
  setInventory(uuid: string, name: string, inventories: Record<string, Inventory>): ResourceProvider {
    let rp = this.providers.get(uuid);
    if (!rp) {
      rp = { uuid, name, generation: 0, inventories, usages: {} };
      this.providers.set(uuid, rp);
    } else if (rp.name !== name || !sameInventories(rp.inventories, inventories)) {
      rp.inventories = inventories;
      rp.name = name;
      rp.generation++;
    } else {
      return rp;
    }
    this.writer?.upsert('resource_providers', {
      uuid, name, generation: rp.generation, inventories: JSON.stringify(inventories),
    });
    this.onUsage(rp);
    return rp;
  }

  /** Would `resources` fit on the provider right now? */
  fits(uuid: string, resources: Resources): boolean {
    const rp = this.providers.get(uuid);
    if (!rp) return false;
    for (const rc in resources) {
      const want = resources[rc]!;
      if (want === 0) continue;
      const inv = rp.inventories[rc];
      if (!inv || want < inv.minUnit || want > inv.maxUnit) return false;
      if ((rp.usages[rc] ?? 0) + want > capacityOf(inv)) return false;
    }
    return true;
  }

  /**
   * Atomically allocate `resources` on a provider for a consumer. Returns false (and changes nothing)
   * when they do not fit. A consumer that already holds an allocation there keeps it (idempotent).
   */
  claim(consumerId: string, uuid: string, resources: Resources, projectId: string, userId: string, now: number): boolean {
    const existing = this.allocations.get(consumerId)?.find((a) => a.providerUuid === uuid);
    if (existing) return true;
    if (!this.fits(uuid, resources)) return false;
    const alloc: Allocation = { consumerId, providerUuid: uuid, resources: { ...resources }, projectId, userId, createdAt: now };
    this.addAllocation(alloc);
    this.writer?.upsert('allocations', {
      consumer_id: consumerId, resource_provider_uuid: uuid, resources: JSON.stringify(alloc.resources),
      project_id: projectId, user_id: userId, created_at: now,
    });
    this.onUsage(this.providers.get(uuid)!);
    return true;
  }

  /** Drop every allocation the consumer holds (delete, failed build, reschedule away). */
  release(consumerId: string, onlyProvider?: string): void {
    const list = this.allocations.get(consumerId);
    if (!list) return;
    const keep: Allocation[] = [];
    for (const a of list) {
      if (onlyProvider && a.providerUuid !== onlyProvider) {
        keep.push(a);
        continue;
      }
      const rp = this.providers.get(a.providerUuid);
      if (rp) {
        for (const rc in a.resources) rp.usages[rc] = (rp.usages[rc] ?? 0) - a.resources[rc]!;
        this.onUsage(rp);
      }
      this.writer?.delete('allocations', { consumer_id: consumerId, resource_provider_uuid: a.providerUuid });
    }
    if (keep.length > 0) this.allocations.set(consumerId, keep);
    else this.allocations.delete(consumerId);
  }

  allocationsOf(consumerId: string): Allocation[] {
    return this.allocations.get(consumerId) ?? [];
  }

  allAllocations(): Allocation[] {
    return [...this.allocations.values()].flat();
  }

  // --- Placement API additions (trees, traits, aggregates, consumers, whole-consumer writes) -------

  /** A provider's tree position, traits and aggregates (defaults for a compute node's provider). */
  extrasOf(uuid: string): ProviderExtras {
    return this.extras.get(uuid) ?? { parentProviderUuid: null, traits: new Set(), aggregates: [] };
  }

  /** The root of the provider's tree (itself for a root); follows parents held in this placement. */
  rootOf(uuid: string): string {
    let cur = uuid;
    for (let i = 0; i < 64; i++) {
      const parent = this.extras.get(cur)?.parentProviderUuid;
      if (!parent || !this.providers.has(parent)) return cur;
      cur = parent;
    }
    return cur;
  }

  /** Does the provider have every required trait and none of the forbidden ones? */
  hasTraits(uuid: string, required: readonly string[], forbidden: readonly string[] = []): boolean {
    const t = this.extras.get(uuid)?.traits;
    for (const r of required) if (!t?.has(r)) return false;
    if (t) for (const f of forbidden) if (t.has(f)) return false;
    return true;
  }

  /** Create an empty provider (the Placement API's POST); false if the uuid is taken. */
  createProvider(uuid: string, name: string, parentProviderUuid: string | null): boolean {
    if (this.providers.has(uuid)) return false;
    const rp: ResourceProvider = { uuid, name, generation: 0, inventories: {}, usages: {} };
    this.providers.set(uuid, rp);
    this.persistProvider(rp);
    this.setExtras(uuid, { ...this.extrasOf(uuid), parentProviderUuid });
    return true;
  }

  /** Rename and/or re-parent a provider, bumping its generation. */
  updateProvider(uuid: string, name: string, parentProviderUuid: string | null): void {
    const rp = this.providers.get(uuid);
    if (!rp) return;
    rp.name = name;
    rp.generation++;
    this.persistProvider(rp);
    this.setExtras(uuid, { ...this.extrasOf(uuid), parentProviderUuid });
  }

  /** Remove a provider (the caller checked it has no allocations or children). */
  deleteProvider(uuid: string): void {
    if (!this.providers.delete(uuid)) return;
    this.extras.delete(uuid);
    this.writer?.delete('resource_providers', { uuid });
    this.writer?.delete('resource_provider_extras', { uuid });
  }

  /** Replace every inventory of a provider and bump its generation (even if nothing changed, as placement does). */
  replaceInventories(uuid: string, inventories: Record<string, Inventory>): ResourceProvider | undefined {
    const rp = this.providers.get(uuid);
    if (!rp) return undefined;
    rp.inventories = inventories;
    rp.generation++;
    this.persistProvider(rp);
    this.onUsage(rp);
    return rp;
  }

  /** Replace a provider's traits and bump its generation. */
  setTraits(uuid: string, traits: Iterable<string>): void {
    const rp = this.providers.get(uuid);
    if (!rp) return;
    rp.generation++;
    this.persistProvider(rp);
    this.setExtras(uuid, { ...this.extrasOf(uuid), traits: new Set(traits) });
  }

  /** Replace a provider's aggregates and bump its generation. */
  setAggregates(uuid: string, aggregates: string[]): void {
    const rp = this.providers.get(uuid);
    if (!rp) return;
    rp.generation++;
    this.persistProvider(rp);
    this.setExtras(uuid, { ...this.extrasOf(uuid), aggregates: [...new Set(aggregates)] });
  }

  consumer(consumerId: string): ConsumerRecord | undefined {
    return this.consumers.get(consumerId);
  }

  allConsumers(): IterableIterator<[string, ConsumerRecord]> {
    return this.consumers.entries();
  }

  /**
   * Replace all of a consumer's allocations in one step (placement's PUT /allocations/{consumer}):
   * checks every provider's capacity with the consumer's old allocations given back first, then
   * writes. Returns null on success or the reason nothing changed. An empty list deletes them.
   */
  replaceAllocations(consumerId: string, writes: readonly AllocationWrite[], owner: Omit<ConsumerRecord, 'generation'>, now: number): string | null {
    const old = this.allocations.get(consumerId) ?? [];
    const freed = new Map<string, Resources>();
    for (const a of old) freed.set(a.providerUuid, a.resources);
    for (const w of writes) {
      const rp = this.providers.get(w.providerUuid);
      if (!rp) return `resource provider ${w.providerUuid} not found`;
      const back = freed.get(w.providerUuid) ?? {};
      for (const rc in w.resources) {
        const want = w.resources[rc]!;
        const inv = rp.inventories[rc];
        if (!inv) return `Inventory for '${rc}' on resource provider '${w.providerUuid}' not found`;
        if (want < inv.minUnit || want > inv.maxUnit || want % inv.stepSize !== 0) {
          return `Unable to allocate inventory for resource provider ${w.providerUuid}: ${rc} amount ${want} violates min_unit, max_unit, or step_size`;
        }
        if ((rp.usages[rc] ?? 0) - (back[rc] ?? 0) + want > capacityOf(inv)) {
          return `Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${w.providerUuid}'. The requested amount would exceed the capacity.`;
        }
      }
    }
    this.release(consumerId);
    const touched = new Set<string>(old.map((a) => a.providerUuid));
    for (const w of writes) {
      const alloc: Allocation = { consumerId, providerUuid: w.providerUuid, resources: { ...w.resources }, projectId: owner.projectId, userId: owner.userId, createdAt: now };
      this.addAllocation(alloc);
      this.writer?.upsert('allocations', {
        consumer_id: consumerId, resource_provider_uuid: w.providerUuid, resources: JSON.stringify(alloc.resources),
        project_id: owner.projectId, user_id: owner.userId, created_at: now,
      });
      touched.add(w.providerUuid);
    }
    for (const uuid of touched) {
      const rp = this.providers.get(uuid);
      if (!rp) continue;
      rp.generation++;
      this.persistProvider(rp);
      this.onUsage(rp);
    }
    const prev = this.consumers.get(consumerId);
    if (writes.length === 0) {
      this.consumers.delete(consumerId);
      this.writer?.delete('placement_consumers', { consumer_id: consumerId });
    } else {
      this.setConsumer(consumerId, { ...owner, generation: prev ? prev.generation + 1 : 0 });
    }
    return null;
  }

  /** Record a consumer (its project, user, type and generation). */
  setConsumer(consumerId: string, c: ConsumerRecord): void {
    this.consumers.set(consumerId, c);
    this.writer?.upsert('placement_consumers', {
      consumer_id: consumerId, project_id: c.projectId, user_id: c.userId, consumer_type: c.consumerType, generation: c.generation,
    });
  }

  /** Custom resource classes ('rc') or traits ('trait') created through the API. */
  customNamesOf(kind: 'rc' | 'trait'): ReadonlySet<string> {
    return this.customNames[kind];
  }

  addCustomName(kind: 'rc' | 'trait', name: string): void {
    if (this.customNames[kind].has(name)) return;
    this.customNames[kind].add(name);
    this.writer?.upsert('placement_custom_names', { kind, name });
  }

  deleteCustomName(kind: 'rc' | 'trait', name: string): void {
    if (!this.customNames[kind].delete(name)) return;
    this.writer?.delete('placement_custom_names', { kind, name });
  }

  private setExtras(uuid: string, e: ProviderExtras): void {
    this.extras.set(uuid, e);
    this.writer?.upsert('resource_provider_extras', {
      uuid, parent_provider_uuid: e.parentProviderUuid, traits: JSON.stringify([...e.traits].sort()), aggregates: JSON.stringify(e.aggregates),
    });
  }

  private persistProvider(rp: ResourceProvider): void {
    this.writer?.upsert('resource_providers', { uuid: rp.uuid, name: rp.name, generation: rp.generation, inventories: JSON.stringify(rp.inventories) });
  }

  private addAllocation(a: Allocation): void {
    const list = this.allocations.get(a.consumerId);
    if (list) list.push(a);
    else this.allocations.set(a.consumerId, [a]);
    const rp = this.providers.get(a.providerUuid);
    if (rp) for (const rc in a.resources) rp.usages[rc] = (rp.usages[rc] ?? 0) + a.resources[rc]!;
  }
}

/** The standard inventories of a compute node, from its totals and the cell's ratios and reserves. */
export function computeNodeInventories(node: {
  vcpus: number; memoryMb: number; localGb: number;
  cpuAllocationRatio: number; ramAllocationRatio: number; diskAllocationRatio: number;
  reservedHostMemoryMb: number; reservedHostDiskMb: number; reservedHostCpus: number;
}): Record<string, Inventory> {
  return {
    VCPU: { total: node.vcpus, reserved: node.reservedHostCpus, minUnit: 1, maxUnit: node.vcpus, stepSize: 1, allocationRatio: node.cpuAllocationRatio },
    MEMORY_MB: { total: node.memoryMb, reserved: node.reservedHostMemoryMb, minUnit: 1, maxUnit: node.memoryMb, stepSize: 1, allocationRatio: node.ramAllocationRatio },
    DISK_GB: { total: node.localGb, reserved: Math.ceil(node.reservedHostDiskMb / 1024), minUnit: 1, maxUnit: node.localGb, stepSize: 1, allocationRatio: node.diskAllocationRatio },
  };
}

/**
 * Whether two inventories would write the same JSON. Every compute node's periodic report sets its
 * inventory again, nearly always unchanged: the same resource classes and fields in the same order with
 * the same numbers settle that without writing any text; anything else is left to the JSON.
 */
function sameInventories(a: Record<string, Inventory>, b: Record<string, Inventory>): boolean {
  return sameMembers(a, b, (x, y) => sameMembers(x, y, (u, v) => u === v)) || JSON.stringify(a) === JSON.stringify(b);
}

/** Same own keys in the same order, and `same` for each pair of values. */
function sameMembers(a: unknown, b: unknown, same: (x: unknown, y: unknown) => boolean): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
