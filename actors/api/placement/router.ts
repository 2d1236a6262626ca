/**
 * The API cell's placement: each leaf owns its providers, so a request about one provider goes to
 * the leaf that holds it (found by uuid in an index learnt from every answer, else by one
 * broadcast), and a list is one broadcast whose answers are merged — never one hop per provider.
 * Consumers are found the same way. Custom traits and resource classes exist in every leaf: created
 * and deleted everywhere, listed as the union.
 */
import {
  PlacementError, unwrap, type AllocationsPut, type CandidatesQuery, type CandidatesResult, type ConsumerAllocations,
  type Inventory, type PlacementOp, type PlacementOps, type ProviderFilter, type ProviderRecord, type ReshapeBody,
} from '../../placement/index.ts';
import type { LeafReply, PlacementBackend } from './backend.ts';

type Args<O extends PlacementOp> = Parameters<PlacementOps[O]>[0];
type Result<O extends PlacementOp> = ReturnType<PlacementOps[O]>;

const unavailable = (detail: string) => new PlacementError(503, detail);

export class PlacementRouter {
  private readonly providerCell = new Map<string, string>();
  private readonly consumerCell = new Map<string, string>();
  private leaves: string[] = [];

  constructor(private readonly backend: PlacementBackend) {}

  /** Ask one leaf. */
  async at<O extends PlacementOp>(cell: string, op: O, args: Args<O>, reqId: string): Promise<Result<O>> {
    return unwrap(await this.backend.placementCall(cell, op, args, reqId)) as Result<O>;
  }

  /** Ask every leaf; `strict` fails when one does not answer (writes), else it is left out (reads). */
  async everywhere<O extends PlacementOp>(op: O, args: Args<O>, reqId: string, strict = false): Promise<Array<{ cell: string; result: Result<O> }>> {
    const replies: LeafReply[] = await this.backend.placementBroadcast(op, args, reqId);
    const out: Array<{ cell: string; result: Result<O> }> = [];
    const cells: string[] = [];
    for (const r of replies) {
      if (!r.reply) {
        if (strict) throw unavailable(`cell ${r.cell} did not answer: ${r.error ?? 'no reply'}`);
        continue;
      }
      cells.push(r.cell);
      out.push({ cell: r.cell, result: unwrap(r.reply) as Result<O> });
    }
    if (cells.length > 0) this.leaves = cells.sort();
    return out;
  }

  // --- providers ---------------------------------------------------------------------------------

  async listProviders(f: ProviderFilter, reqId: string): Promise<ProviderRecord[]> {
    const out: ProviderRecord[] = [];
    for (const { cell, result } of await this.everywhere('list_providers', f, reqId)) {
      for (const r of result) {
        this.providerCell.set(r.uuid, cell);
        out.push(r);
      }
    }
    return out;
  }

  /** The leaf holding a provider; 404 when none does. */
  async ownerOf(uuid: string, reqId: string): Promise<string> {
    const known = this.providerCell.get(uuid);
    if (known) return known;
    for (const { cell, result } of await this.everywhere('list_providers', { uuid }, reqId)) {
      if (result.length > 0) {
        this.providerCell.set(uuid, cell);
        return cell;
      }
    }
    throw new PlacementError(404, `No resource provider with uuid ${uuid} found`, 'placement.resource_provider.not_found');
  }

  /** An operation on one provider, at its leaf (the index is refreshed once if the provider moved or went). */
  async onProvider<O extends PlacementOp>(uuid: string, op: O, args: Args<O>, reqId: string): Promise<Result<O>> {
    const cached = this.providerCell.has(uuid);
    const cell = await this.ownerOf(uuid, reqId);
    try {
      return await this.at(cell, op, args, reqId);
    } catch (e) {
      if (!(cached && e instanceof PlacementError && e.status === 404)) throw e;
      this.providerCell.delete(uuid);
      return this.at(await this.ownerOf(uuid, reqId), op, args, reqId);
    }
  }

  getProvider(uuid: string, reqId: string): Promise<ProviderRecord> {
    return this.onProvider(uuid, 'get_provider', { uuid }, reqId);
  }

  /** A new provider lives with its parent, or (a root) on a leaf chosen by its uuid. */
  async createProvider(a: Args<'create_provider'>, reqId: string): Promise<ProviderRecord> {
    const [sameUuid, sameName] = await Promise.all([
      this.everywhere('list_providers', { uuid: a.uuid }, reqId, true),
      this.everywhere('list_providers', { name: a.name }, reqId, true),
    ]);
    if (sameUuid.some((r) => r.result.length > 0)) throw new PlacementError(409, `Conflicting resource provider uuid: ${a.uuid} already exists.`, 'placement.duplicate_name');
    if (sameName.some((r) => r.result.length > 0)) throw new PlacementError(409, `Conflicting resource provider name: ${a.name} already exists.`, 'placement.duplicate_name');
    let cell: string;
    if (a.parentProviderUuid) {
      try {
        cell = await this.ownerOf(a.parentProviderUuid, reqId);
      } catch {
        throw new PlacementError(400, `parent provider UUID ${a.parentProviderUuid} does not exist.`);
      }
    } else {
      if (this.leaves.length === 0) throw unavailable('no cell with a placement answers');
      cell = this.leaves[hash(a.uuid) % this.leaves.length]!;
    }
    const r = await this.at(cell, 'create_provider', a, reqId);
    this.providerCell.set(r.uuid, cell);
    return r;
  }

  async deleteProvider(uuid: string, reqId: string): Promise<void> {
    await this.onProvider(uuid, 'delete_provider', { uuid }, reqId);
    this.providerCell.delete(uuid);
  }

  // --- allocations -------------------------------------------------------------------------------

  /** Where a consumer's allocations are (undefined: it has none anywhere). */
  async consumerOwner(consumer: string, reqId: string): Promise<{ cell: string; view: ConsumerAllocations } | undefined> {
    const known = this.consumerCell.get(consumer);
    if (known) {
      const view = await this.at(known, 'get_allocations', { consumer }, reqId).catch(() => null);
      if (view) return { cell: known, view };
      this.consumerCell.delete(consumer);
    }
    for (const { cell, result } of await this.everywhere('get_allocations', { consumer }, reqId)) {
      if (result) {
        this.consumerCell.set(consumer, cell);
        return { cell, view: result };
      }
    }
    return undefined;
  }

  async getAllocations(consumer: string, reqId: string): Promise<ConsumerAllocations | null> {
    return (await this.consumerOwner(consumer, reqId))?.view ?? null;
  }

  /**
   * Replace a consumer's allocations. Its providers must all live in one leaf (a transaction is one
   * leaf's); a consumer moving to another leaf has its old allocations removed there after the write.
   */
  async putAllocations(a: AllocationsPut, reqId: string): Promise<void> {
    const uuids = Object.keys(a.allocations);
    const cells = new Set<string>();
    for (const u of uuids) {
      try {
        cells.add(await this.ownerOf(u, reqId));
      } catch {
        throw new PlacementError(400, `Allocation for resource provider '${u}' that does not exist.`);
      }
    }
    if (cells.size > 1) {
      throw new PlacementError(409, `Unable to allocate: the resource providers ${uuids.join(', ')} belong to different cells (${[...cells].join(', ')}); a consumer's allocations must lie within one cell.`);
    }
    const prior = await this.consumerOwner(a.consumer, reqId);
    const target = [...cells][0] ?? prior?.cell;
    if (target === undefined) {
      // Nothing to write anywhere: an empty allocation for an unknown consumer only checks its generation.
      if (a.consumerGeneration !== undefined && a.consumerGeneration !== null) {
        throw new PlacementError(409, `consumer generation conflict - expected ${a.consumerGeneration} but got None`, 'placement.concurrent_update');
      }
      return;
    }
    if (prior && prior.cell !== target) {
      if (a.consumerGeneration !== undefined && a.consumerGeneration !== prior.view.consumerGeneration) {
        throw new PlacementError(409, `consumer generation conflict - expected ${a.consumerGeneration} but got ${prior.view.consumerGeneration}`, 'placement.concurrent_update');
      }
      await this.at(target, 'put_allocations', { ...a, consumerGeneration: undefined }, reqId);
      await this.at(prior.cell, 'delete_allocations', { consumer: a.consumer }, reqId);
    } else {
      await this.at(target, 'put_allocations', a, reqId);
    }
    if (uuids.length > 0) this.consumerCell.set(a.consumer, target);
    else this.consumerCell.delete(a.consumer);
  }

  async deleteAllocations(consumer: string, reqId: string): Promise<boolean> {
    const owner = await this.consumerOwner(consumer, reqId);
    if (!owner) return false;
    this.consumerCell.delete(consumer);
    return this.at(owner.cell, 'delete_allocations', { consumer }, reqId);
  }

  async usages(a: Args<'usages'>, reqId: string): Promise<Result<'usages'>> {
    const usages: Record<string, Record<string, number>> = {};
    const consumers: Record<string, number> = {};
    for (const { result } of await this.everywhere('usages', a, reqId, true)) {
      for (const [type, u] of Object.entries(result.usages)) {
        const t = (usages[type] ??= {});
        for (const [rc, n] of Object.entries(u)) t[rc] = (t[rc] ?? 0) + n;
      }
      for (const [type, n] of Object.entries(result.consumers)) consumers[type] = (consumers[type] ?? 0) + n;
    }
    return { usages, consumers };
  }

  // --- custom names ------------------------------------------------------------------------------

  async listCustom(kind: 'rc' | 'trait', reqId: string): Promise<string[]> {
    const names = new Set<string>();
    for (const { result } of await this.everywhere('list_custom', { kind }, reqId)) for (const n of result) names.add(n);
    return [...names].sort();
  }

  /** Create everywhere; true when it did not exist before. */
  async createCustom(kind: 'rc' | 'trait', name: string, reqId: string): Promise<boolean> {
    const existed = (await this.listCustom(kind, reqId)).includes(name);
    await this.everywhere('create_custom', { kind, name }, reqId, true);
    return !existed;
  }

  async customInUse(kind: 'rc' | 'trait', name: string, reqId: string): Promise<boolean> {
    return (await this.everywhere('custom_in_use', { kind, name }, reqId, true)).some((r) => r.result);
  }

  async deleteCustom(kind: 'rc' | 'trait', name: string, reqId: string): Promise<void> {
    await this.everywhere('delete_custom', { kind, name }, reqId, true);
  }

  // --- candidates and reshaper -------------------------------------------------------------------

  async allocationCandidates(q: CandidatesQuery, reqId: string): Promise<CandidatesResult> {
    const out: CandidatesResult = { allocationRequests: [], providers: [] };
    for (const { cell, result } of await this.everywhere('allocation_candidates', q, reqId)) {
      if (q.limit !== undefined && out.allocationRequests.length >= q.limit) break;
      out.allocationRequests.push(...result.allocationRequests);
      for (const r of result.providers) {
        this.providerCell.set(r.uuid, cell);
        out.providers.push(r);
      }
    }
    if (q.limit !== undefined && out.allocationRequests.length > q.limit) {
      out.allocationRequests.length = q.limit;
      const used = new Set(out.allocationRequests.flatMap((a) => Object.keys(a.allocations)));
      const roots = new Set(out.providers.filter((p) => used.has(p.uuid)).map((p) => p.rootProviderUuid));
      out.providers = out.providers.filter((p) => roots.has(p.rootProviderUuid));
    }
    return out;
  }

  /** A reshape happens in one leaf: every provider and consumer named must be there. */
  async reshape(body: ReshapeBody, reqId: string): Promise<void> {
    const cells = new Set<string>();
    const uuids = [...Object.keys(body.inventories), ...body.allocations.flatMap((a) => Object.keys(a.allocations))];
    for (const u of uuids) {
      try {
        cells.add(await this.ownerOf(u, reqId));
      } catch {
        throw new PlacementError(400, `Resource provider ${u} not found`);
      }
    }
    if (cells.size > 1) throw new PlacementError(409, `Unable to reshape: the providers belong to different cells (${[...cells].join(', ')}).`);
    const cell = [...cells][0];
    if (!cell) return;
    await this.at(cell, 'reshape', body, reqId);
    for (const a of body.allocations) {
      if (Object.keys(a.allocations).length > 0) this.consumerCell.set(a.consumer, cell);
      else this.consumerCell.delete(a.consumer);
    }
  }

  /** How a PUT of inventories is passed on (kept here so routes read as placement's). */
  putInventories(uuid: string, generation: number, inventories: Record<string, Inventory>, reqId: string): Promise<ProviderRecord> {
    return this.onProvider(uuid, 'put_inventories', { uuid, generation, inventories }, reqId);
  }
}

/** FNV-1a: a stable spread of new root providers over the leaves. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
