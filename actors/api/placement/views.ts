/**
 * Placement's response shapes per microversion: a resource provider with its links (aggregates from
 * 1.1, traits 1.6, allocations 1.11) and its tree (1.14), inventories, provider summaries of
 * allocation candidates (traits 1.17, tree 1.29) and allocation requests (dict form 1.12, mappings
 * 1.34).
 */
import type { APIVersion } from '../../../runtime/http/index.ts';
import type { AllocationRequest, Inventory, ProviderRecord } from '../../placement/index.ts';

export const MAX_INT = 2147483647;

export function providerView(r: ProviderRecord, v: APIVersion) {
  const self = `/resource_providers/${r.uuid}`;
  const links = [
    { rel: 'self', href: self },
    { rel: 'inventories', href: `${self}/inventories` },
    { rel: 'usages', href: `${self}/usages` },
  ];
  if (v.ge('1.1')) links.push({ rel: 'aggregates', href: `${self}/aggregates` });
  if (v.ge('1.6')) links.push({ rel: 'traits', href: `${self}/traits` });
  if (v.ge('1.11')) links.push({ rel: 'allocations', href: `${self}/allocations` });
  return {
    uuid: r.uuid, name: r.name, generation: r.generation,
    ...(v.ge('1.14') ? { parent_provider_uuid: r.parentProviderUuid, root_provider_uuid: r.rootProviderUuid } : {}),
    links,
  };
}

export function inventoryView(inv: Inventory) {
  return {
    total: inv.total, reserved: inv.reserved, min_unit: inv.minUnit, max_unit: inv.maxUnit, step_size: inv.stepSize,
    allocation_ratio: inv.allocationRatio,
  };
}

export function inventoriesView(r: ProviderRecord) {
  const inventories: Record<string, ReturnType<typeof inventoryView>> = {};
  for (const [rc, inv] of Object.entries(r.inventories)) inventories[rc] = inventoryView(inv);
  return { resource_provider_generation: r.generation, inventories };
}

export function usagesView(r: ProviderRecord) {
  const usages: Record<string, number> = {};
  for (const rc of Object.keys(r.inventories)) usages[rc] = r.usages[rc] ?? 0;
  return { resource_provider_generation: r.generation, usages };
}

export function providerSummary(r: ProviderRecord, v: APIVersion, requested: ReadonlySet<string>) {
  const resources: Record<string, { capacity: number; used: number }> = {};
  for (const [rc, inv] of Object.entries(r.inventories)) {
    // Before 1.27 only the requested classes are summarised.
    if (v.lt('1.27') && !requested.has(rc)) continue;
    resources[rc] = { capacity: Math.floor((inv.total - inv.reserved) * inv.allocationRatio), used: r.usages[rc] ?? 0 };
  }
  return {
    resources,
    ...(v.ge('1.17') ? { traits: r.traits } : {}),
    ...(v.ge('1.29') ? { parent_provider_uuid: r.parentProviderUuid, root_provider_uuid: r.rootProviderUuid } : {}),
  };
}

export function allocationRequestView(a: AllocationRequest, v: APIVersion) {
  if (v.lt('1.12')) {
    return { allocations: Object.entries(a.allocations).map(([uuid, resources]) => ({ resource_provider: { uuid }, resources })) };
  }
  const allocations: Record<string, { resources: Record<string, number> }> = {};
  for (const [uuid, resources] of Object.entries(a.allocations)) allocations[uuid] = { resources };
  return { allocations, ...(v.ge('1.34') ? { mappings: a.mappings } : {}) };
}
