/**
 * A resource provider as it travels from a leaf's placement to the API: everything the API shows
 * and filters on (tree, traits, aggregates, inventories, usages), so one answer per leaf serves a
 * whole list, whatever the filters.
 */
import { capacityOf, type Inventory, type Placement, type Resources } from './placement.ts';

export interface ProviderRecord {
  uuid: string;
  name: string;
  generation: number;
  parentProviderUuid: string | null;
  rootProviderUuid: string;
  traits: string[];
  aggregates: string[];
  inventories: Record<string, Inventory>;
  usages: Resources;
}

export function providerRecord(p: Placement, uuid: string): ProviderRecord | undefined {
  const rp = p.provider(uuid);
  if (!rp) return undefined;
  const x = p.extrasOf(uuid);
  const usages: Resources = {};
  for (const rc of Object.keys(rp.inventories)) usages[rc] = rp.usages[rc] ?? 0;
  return {
    uuid, name: rp.name, generation: rp.generation, parentProviderUuid: x.parentProviderUuid, rootProviderUuid: p.rootOf(uuid),
    traits: [...x.traits].sort(), aggregates: [...x.aggregates], inventories: rp.inventories, usages,
  };
}

/** Free capacity of one class on a provider record (0 when it has no such inventory). */
export function freeOf(r: ProviderRecord, rc: string): number {
  const inv = r.inventories[rc];
  return inv ? capacityOf(inv) - (r.usages[rc] ?? 0) : 0;
}

/** Can the provider give `amount` of `rc` on top of `extra` already taken in this request? */
export function canProvide(r: ProviderRecord, rc: string, amount: number, extra = 0): boolean {
  const inv = r.inventories[rc];
  if (!inv) return false;
  if (amount < inv.minUnit || amount > inv.maxUnit || amount % inv.stepSize !== 0) return false;
  return (r.usages[rc] ?? 0) + extra + amount <= capacityOf(inv);
}
