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

export function capacityOf(inv: Inventory): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
}

export class Placement {
  private readonly providers = new Map<string, ResourceProvider>();
  /** consumer id → its allocations (one per provider). */
  private readonly allocations = new Map<string, Allocation[]>();

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
    for (const rp of this.providers.values()) this.onUsage(rp);
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
    } else if (JSON.stringify(rp.inventories) !== JSON.stringify(inventories) || rp.name !== name) {
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
