/**
 * A leaf's side of the Placement API: one handler per operation over the leaf's Placement, each
 * checking what placement checks (generations → 409 placement.concurrent_update, inventory in use,
 * providers with children or allocations, unknown traits and classes) and answering with records
 * the API cell formats per microversion. Handlers run synchronously, so an operation and the
 * scheduler's claims never interleave. Reached through `placement_call {op, args}`.
 */
import {
  badRequest, conflict, CONCURRENT_UPDATE, DUPLICATE_NAME, INVENTORY_INUSE, notFound, PlacementError, PROVIDER_CANNOT_DELETE_PARENT,
  PROVIDER_IN_USE, PROVIDER_NOT_FOUND, replyError, type PlacementReply,
} from './errors.ts';
import type { AllocationWrite, Inventory, Placement, Resources } from './placement.ts';
import { providerRecord, type ProviderRecord } from './records.ts';
import { providerMatches, type RequestGroup } from './query.ts';
import { allocationCandidates, type CandidatesQuery, type CandidatesResult } from './candidates.ts';
import { isCustomName, STANDARD_RC_SET, STANDARD_TRAITS } from './standard.ts';

export interface ProviderFilter {
  name?: string;
  uuid?: string;
  group?: RequestGroup;
  inTree?: string;
}

export interface ConsumerAllocations {
  consumerGeneration: number | null;
  projectId: string | null;
  userId: string | null;
  consumerType: string | null;
  allocations: Record<string, { generation: number; resources: Resources }>;
}

export interface AllocationsPut {
  consumer: string;
  allocations: Record<string, Resources>;
  projectId: string;
  userId: string;
  consumerType: string | null;
  /** Checked when present (1.28+): null means "a new consumer". */
  consumerGeneration?: number | null;
}

export interface ReshapeBody {
  inventories: Record<string, { generation: number; inventories: Record<string, Inventory> }>;
  allocations: AllocationsPut[];
}

/** Everything a caller may ask of a leaf's placement (args → result). */
export interface PlacementOps {
  list_providers: (a: ProviderFilter) => ProviderRecord[];
  get_provider: (a: { uuid: string }) => ProviderRecord;
  create_provider: (a: { uuid: string; name: string; parentProviderUuid: string | null }) => ProviderRecord;
  update_provider: (a: { uuid: string; name: string; parentProviderUuid?: string | null }) => ProviderRecord;
  delete_provider: (a: { uuid: string }) => null;
  put_inventories: (a: { uuid: string; generation: number; inventories: Record<string, Inventory> }) => ProviderRecord;
  put_inventory: (a: { uuid: string; generation: number; resourceClass: string; inventory: Inventory }) => ProviderRecord;
  delete_inventories: (a: { uuid: string; generation?: number }) => ProviderRecord;
  delete_inventory: (a: { uuid: string; resourceClass: string; generation?: number }) => ProviderRecord;
  put_traits: (a: { uuid: string; generation: number; traits: string[] }) => ProviderRecord;
  put_aggregates: (a: { uuid: string; generation?: number; aggregates: string[] }) => ProviderRecord;
  provider_allocations: (a: { uuid: string }) => { generation: number; allocations: Record<string, { resources: Resources }> };
  get_allocations: (a: { consumer: string }) => ConsumerAllocations | null;
  put_allocations: (a: AllocationsPut) => null;
  delete_allocations: (a: { consumer: string }) => boolean;
  usages: (a: { projectId: string; userId?: string; consumerType?: string }) => { usages: Record<string, Record<string, number>>; consumers: Record<string, number> };
  list_custom: (a: { kind: 'rc' | 'trait' }) => string[];
  create_custom: (a: { kind: 'rc' | 'trait'; name: string }) => boolean;
  delete_custom: (a: { kind: 'rc' | 'trait'; name: string; check?: boolean }) => null;
  custom_in_use: (a: { kind: 'rc' | 'trait'; name: string }) => boolean;
  allocation_candidates: (a: CandidatesQuery) => CandidatesResult;
  reshape: (a: ReshapeBody) => null;
}

export type PlacementOp = keyof PlacementOps;
export const PLACEMENT_OPS = [
  'list_providers', 'get_provider', 'create_provider', 'update_provider', 'delete_provider', 'put_inventories', 'put_inventory',
  'delete_inventories', 'delete_inventory', 'put_traits', 'put_aggregates', 'provider_allocations', 'get_allocations',
  'put_allocations', 'delete_allocations', 'usages', 'list_custom', 'create_custom', 'delete_custom', 'custom_in_use',
  'allocation_candidates', 'reshape',
] as const satisfies readonly PlacementOp[];

function isPlacementOp(op: string): op is PlacementOp {
  return PLACEMENT_OPS.some((o) => o === op);
}

const staleGeneration = (uuid: string) =>
  conflict(`resource provider generation conflict: the generation given for resource provider ${uuid} is not its current one. Please update the generation and try again.`, CONCURRENT_UPDATE);

/** The operations of one leaf's placement; `now` stamps allocations. */
export function placementOps(p: Placement, now: () => number): PlacementOps {
  const must = (uuid: string): ProviderRecord => {
    const r = providerRecord(p, uuid);
    if (!r) throw notFound(`No resource provider with uuid ${uuid} found`, PROVIDER_NOT_FOUND);
    return r;
  };
  const checkGeneration = (uuid: string, generation: number | undefined) => {
    if (generation !== undefined && must(uuid).generation !== generation) throw staleGeneration(uuid);
  };
  const knownRc = (rc: string) => STANDARD_RC_SET.has(rc) || p.customNamesOf('rc').has(rc);
  const knownTrait = (t: string) => STANDARD_TRAITS.has(t) || p.customNamesOf('trait').has(t);
  const checkInventories = (uuid: string, invs: Record<string, Inventory>) => {
    for (const [rc, inv] of Object.entries(invs)) {
      if (!knownRc(rc)) throw badRequest(`Unknown resource class in inventory for resource provider ${uuid}: ${rc}`);
      if (inv.reserved > inv.total) throw badRequest(`Unable to update inventory for resource provider ${uuid}: Invalid inventory for '${rc}' on resource provider '${uuid}'. The reserved value is greater than total.`);
      if (inv.minUnit > inv.maxUnit) throw badRequest(`Unable to update inventory for resource provider ${uuid}: Invalid inventory for '${rc}': min_unit is greater than max_unit.`);
    }
    const rp = p.provider(uuid)!;
    const used = Object.keys(rp.usages).filter((rc) => (rp.usages[rc] ?? 0) > 0 && !(rc in invs));
    if (used.length > 0) {
      throw conflict(`update conflict: Inventory for '${used.join(', ')}' on resource provider '${uuid}' in use.`, INVENTORY_INUSE);
    }
  };
  const childrenOf = (uuid: string) => p.listProviders().filter((rp) => p.extrasOf(rp.uuid).parentProviderUuid === uuid);
  const consumerView = (consumer: string): ConsumerAllocations | null => {
    const list = p.allocationsOf(consumer);
    const c = p.consumer(consumer);
    if (list.length === 0 && !c) return null;
    const allocations: ConsumerAllocations['allocations'] = {};
    for (const a of list) allocations[a.providerUuid] = { generation: p.provider(a.providerUuid)?.generation ?? 0, resources: { ...a.resources } };
    return {
      consumerGeneration: c?.generation ?? (list.length > 0 ? 0 : null), projectId: c?.projectId ?? list[0]?.projectId ?? null,
      userId: c?.userId ?? list[0]?.userId ?? null, consumerType: c?.consumerType ?? null, allocations,
    };
  };
  const putAllocations = (a: AllocationsPut): null => {
    const existing = consumerView(a.consumer);
    if (a.consumerGeneration !== undefined) {
      const current = existing?.consumerGeneration ?? null;
      if (current !== a.consumerGeneration) {
        throw conflict(`consumer generation conflict - expected ${a.consumerGeneration === null ? 'null' : a.consumerGeneration} but got ${current === null ? 'None' : current}`, CONCURRENT_UPDATE);
      }
    }
    const writes: AllocationWrite[] = [];
    for (const [uuid, resources] of Object.entries(a.allocations)) {
      if (!p.provider(uuid)) throw badRequest(`Allocation for resource provider '${uuid}' that does not exist.`);
      for (const rc of Object.keys(resources)) if (!knownRc(rc)) throw badRequest(`Unable to allocate inventory: Unknown resource class in allocation: ${rc}`);
      writes.push({ providerUuid: uuid, resources });
    }
    const err = p.replaceAllocations(a.consumer, writes, { projectId: a.projectId, userId: a.userId, consumerType: a.consumerType }, now());
    if (err) throw conflict(err);
    return null;
  };

  return {
    list_providers: (f) => {
      const inTreeRoot = f.inTree !== undefined ? (p.provider(f.inTree) ? p.rootOf(f.inTree) : null) : undefined;
      const out: ProviderRecord[] = [];
      for (const rp of p.listProviders()) {
        if (f.uuid !== undefined && rp.uuid !== f.uuid) continue;
        if (f.name !== undefined && rp.name !== f.name) continue;
        const r = providerRecord(p, rp.uuid)!;
        if (inTreeRoot !== undefined && r.rootProviderUuid !== inTreeRoot) continue;
        if (f.group && !providerMatches(r, f.group)) continue;
        out.push(r);
      }
      return out;
    },
    get_provider: ({ uuid }) => must(uuid),
    create_provider: ({ uuid, name, parentProviderUuid }) => {
      if (p.provider(uuid)) throw conflict(`Conflicting resource provider uuid: ${uuid} already exists.`, DUPLICATE_NAME);
      if (p.listProviders().some((rp) => rp.name === name)) throw conflict(`Conflicting resource provider name: ${name} already exists.`, DUPLICATE_NAME);
      if (parentProviderUuid && !p.provider(parentProviderUuid)) throw badRequest(`parent provider UUID ${parentProviderUuid} does not exist.`);
      p.createProvider(uuid, name, parentProviderUuid);
      return must(uuid);
    },
    update_provider: ({ uuid, name, parentProviderUuid }) => {
      const cur = must(uuid);
      if (name !== cur.name && p.listProviders().some((rp) => rp.name === name)) throw conflict(`Conflicting resource provider name: ${name} already exists.`, DUPLICATE_NAME);
      let parent = cur.parentProviderUuid;
      if (parentProviderUuid !== undefined && parentProviderUuid !== cur.parentProviderUuid) {
        if (parentProviderUuid === null) parent = null;
        else {
          if (!p.provider(parentProviderUuid)) throw badRequest(`parent provider UUID ${parentProviderUuid} does not exist.`);
          // A provider may not become a descendant of itself (a loop).
          let at: string | null = parentProviderUuid;
          for (let i = 0; at && i < 64; i++) {
            if (at === uuid) throw badRequest('creating loop in the provider tree is not allowed.');
            at = p.extrasOf(at).parentProviderUuid;
          }
          parent = parentProviderUuid;
        }
      }
      p.updateProvider(uuid, name, parent);
      return must(uuid);
    },
    delete_provider: ({ uuid }) => {
      must(uuid);
      if (p.allAllocations().some((a) => a.providerUuid === uuid)) {
        throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, PROVIDER_IN_USE);
      }
      if (childrenOf(uuid).length > 0) {
        throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, PROVIDER_CANNOT_DELETE_PARENT);
      }
      p.deleteProvider(uuid);
      return null;
    },
    put_inventories: ({ uuid, generation, inventories }) => {
      checkGeneration(uuid, generation);
      checkInventories(uuid, inventories);
      p.replaceInventories(uuid, inventories);
      return must(uuid);
    },
    put_inventory: ({ uuid, generation, resourceClass, inventory }) => {
      const cur = must(uuid);
      if (cur.generation !== generation) throw staleGeneration(uuid);
      const next = { ...cur.inventories, [resourceClass]: inventory };
      checkInventories(uuid, next);
      p.replaceInventories(uuid, next);
      return must(uuid);
    },
    delete_inventories: ({ uuid, generation }) => {
      checkGeneration(uuid, generation);
      checkInventories(uuid, {});
      p.replaceInventories(uuid, {});
      return must(uuid);
    },
    delete_inventory: ({ uuid, resourceClass, generation }) => {
      const cur = must(uuid);
      if (generation !== undefined && cur.generation !== generation) throw staleGeneration(uuid);
      if (!(resourceClass in cur.inventories)) throw notFound(`No inventory of class ${resourceClass} found for delete`);
      const next = { ...cur.inventories };
      delete next[resourceClass];
      checkInventories(uuid, next);
      p.replaceInventories(uuid, next);
      return must(uuid);
    },
    put_traits: ({ uuid, generation, traits }) => {
      checkGeneration(uuid, generation);
      const unknown = traits.filter((t) => !knownTrait(t));
      if (unknown.length > 0) throw badRequest(`No such trait(s): ${unknown.join(', ')}`);
      p.setTraits(uuid, traits);
      return must(uuid);
    },
    put_aggregates: ({ uuid, generation, aggregates }) => {
      checkGeneration(uuid, generation);
      p.setAggregates(uuid, aggregates);
      return must(uuid);
    },
    provider_allocations: ({ uuid }) => {
      const r = must(uuid);
      const allocations: Record<string, { resources: Resources }> = {};
      for (const a of p.allAllocations()) if (a.providerUuid === uuid) allocations[a.consumerId] = { resources: { ...a.resources } };
      return { generation: r.generation, allocations };
    },
    get_allocations: ({ consumer }) => consumerView(consumer),
    put_allocations: putAllocations,
    delete_allocations: ({ consumer }) => {
      if (p.allocationsOf(consumer).length === 0) return false;
      p.release(consumer);
      const c = p.consumer(consumer);
      if (c) p.replaceAllocations(consumer, [], c, now());
      return true;
    },
    usages: ({ projectId, userId, consumerType }) => {
      const usages: Record<string, Record<string, number>> = {};
      const consumers: Record<string, number> = {};
      const seen = new Set<string>();
      for (const a of p.allAllocations()) {
        if (a.projectId !== projectId || (userId !== undefined && a.userId !== userId)) continue;
        const type = p.consumer(a.consumerId)?.consumerType ?? 'unknown';
        if (consumerType !== undefined && consumerType !== 'all' && type !== consumerType) continue;
        const u = (usages[type] ??= {});
        for (const rc in a.resources) u[rc] = (u[rc] ?? 0) + a.resources[rc]!;
        if (!seen.has(a.consumerId)) {
          seen.add(a.consumerId);
          consumers[type] = (consumers[type] ?? 0) + 1;
        }
      }
      return { usages, consumers };
    },
    list_custom: ({ kind }) => [...p.customNamesOf(kind)],
    create_custom: ({ kind, name }) => {
      if (!isCustomName(name)) throw badRequest(`'${name}' does not match '^CUSTOM_[A-Z0-9_]+$'`);
      const existed = p.customNamesOf(kind).has(name);
      p.addCustomName(kind, name);
      return !existed;
    },
    custom_in_use: ({ kind, name }) =>
      kind === 'trait'
        ? p.listProviders().some((rp) => p.extrasOf(rp.uuid).traits.has(name))
        : p.listProviders().some((rp) => name in rp.inventories) || p.allAllocations().some((a) => name in a.resources),
    delete_custom: ({ kind, name }) => {
      p.deleteCustomName(kind, name);
      return null;
    },
    allocation_candidates: (q) => allocationCandidates(p.listProviders().map((rp) => providerRecord(p, rp.uuid)!), q),
    reshape: ({ inventories, allocations }) => {
      // Check everything first, then write: a reshape is all or nothing.
      for (const [uuid, v] of Object.entries(inventories)) {
        const r = providerRecord(p, uuid);
        if (!r) throw badRequest(`Resource provider ${uuid} in inventories not found`);
        if (r.generation !== v.generation) throw staleGeneration(uuid);
        for (const rc of Object.keys(v.inventories)) if (!knownRc(rc)) throw badRequest(`Unknown resource class in inventory: ${rc}`);
      }
      for (const a of allocations) for (const uuid of Object.keys(a.allocations)) if (!p.provider(uuid)) throw badRequest(`Resource provider ${uuid} in allocations not found`);
      const before = new Map(Object.keys(inventories).map((u) => [u, p.provider(u)!.inventories]));
      const released = allocations.map((a) => ({ consumer: a.consumer, held: consumerView(a.consumer) }));
      for (const a of allocations) p.release(a.consumer);
      for (const [uuid, v] of Object.entries(inventories)) p.replaceInventories(uuid, v.inventories);
      try {
        for (const a of allocations) putAllocations(a);
      } catch (e) {
        // Put the old world back: inventories, then the consumers' old allocations.
        for (const a of allocations) p.release(a.consumer);
        for (const [uuid, inv] of before) p.replaceInventories(uuid, inv);
        for (const r of released) {
          if (!r.held) continue;
          const writes = Object.entries(r.held.allocations).map(([providerUuid, x]) => ({ providerUuid, resources: x.resources }));
          p.replaceAllocations(r.consumer, writes, { projectId: r.held.projectId ?? '', userId: r.held.userId ?? '', consumerType: r.held.consumerType }, now());
        }
        throw e;
      }
      return null;
    },
  };
}

/** Run one operation by name, turning a PlacementError into a failed reply. */
export function callPlacementOp(ops: PlacementOps, op: string, args: unknown): PlacementReply {
  if (!isPlacementOp(op)) return { ok: false, status: 400, code: 'placement.undefined_code', detail: `unknown placement operation ${op}` };
  try {
    const fn = ops[op] as (a: unknown) => unknown;
    return { ok: true, result: fn(args ?? {}) };
  } catch (e) {
    if (e instanceof PlacementError) return replyError(e);
    throw e;
  }
}
