/**
 * Allocation candidates (placement's GET /allocation_candidates) over one leaf's provider records:
 * for each provider tree, every way the request groups can be satisfied — a numbered group by one
 * provider, the unnamed group class by class by providers of the same tree — with `group_policy`
 * isolate keeping numbered groups on distinct providers, and capacity counted across groups. The
 * API cell merges the leaves' answers and applies `limit`.
 */
import { aggregatesMatch, traitsMatch, type RequestGroup } from './query.ts';
import { canProvide, type ProviderRecord } from './records.ts';
import type { Resources } from './placement.ts';

export interface CandidatesQuery {
  groups: RequestGroup[];
  groupPolicy: 'none' | 'isolate';
  limit?: number;
  /** Root provider traits (1.35 root_required). */
  rootRequired: string[];
  rootForbidden: string[];
}

export interface AllocationRequest {
  allocations: Record<string, Resources>;
  /** Request group suffix → providers that satisfy it (1.34). */
  mappings: Record<string, string[]>;
}

export interface CandidatesResult {
  allocationRequests: AllocationRequest[];
  /** Every provider of the trees that appear in a candidate. */
  providers: ProviderRecord[];
}

/** Ways to satisfy one group inside a tree: each option lists (provider, resources) parts. */
type Option = Array<{ rp: ProviderRecord; resources: Resources }>;

/** At most this many candidates per tree (a guard against combinatorial trees). */
const MAX_PER_TREE = 1000;

function groupOptions(tree: ProviderRecord[], g: RequestGroup, inTreeRoot: string | undefined): Option[] {
  if (inTreeRoot !== undefined && tree[0]!.rootProviderUuid !== inTreeRoot) return [];
  const rcs = Object.keys(g.resources);
  const fits = (rp: ProviderRecord) => aggregatesMatch(rp.aggregates, g) || aggregatesMatch(tree.find((t) => t.uuid === rp.rootProviderUuid)?.aggregates ?? [], g);
  if (g.suffix !== '' || rcs.length === 0) {
    // A numbered group (or a traits-only group): one provider gives all of it.
    return tree
      .filter((rp) => fits(rp) && traitsMatch(rp.traits, g) && rcs.every((rc) => canProvide(rp, rc, g.resources[rc]!)))
      .map((rp) => [{ rp, resources: { ...g.resources } }]);
  }
  // The unnamed group: class by class from providers of the tree; its traits on the providers used.
  const perRc = rcs.map((rc) => tree.filter((rp) => fits(rp) && canProvide(rp, rc, g.resources[rc]!)));
  if (perRc.some((l) => l.length === 0)) return [];
  const out: Option[] = [];
  const pick = (i: number, acc: Option): void => {
    if (out.length >= MAX_PER_TREE) return;
    if (i === rcs.length) {
      const merged = new Map<string, { rp: ProviderRecord; resources: Resources }>();
      for (const p of acc) {
        const m = merged.get(p.rp.uuid) ?? { rp: p.rp, resources: {} };
        Object.assign(m.resources, p.resources);
        merged.set(p.rp.uuid, m);
      }
      const parts = [...merged.values()];
      const traits = new Set(parts.flatMap((p) => p.rp.traits));
      const forbiddenOk = parts.every((p) => g.forbidden.every((f) => !p.rp.traits.includes(f)));
      if (forbiddenOk && traitsMatch(traits, { ...g, forbidden: [] })) out.push(parts);
      return;
    }
    for (const rp of perRc[i]!) pick(i + 1, [...acc, { rp, resources: { [rcs[i]!]: g.resources[rcs[i]!]! } }]);
  };
  pick(0, []);
  return out;
}

function treeCandidates(tree: ProviderRecord[], q: CandidatesQuery, inTreeRoots: Map<string, string | undefined>): AllocationRequest[] {
  const root = tree.find((r) => r.uuid === r.rootProviderUuid) ?? tree[0]!;
  if (!traitsMatch(root.traits, { required: q.rootRequired, forbidden: q.rootForbidden, anyOf: [] })) return [];
  const options = q.groups.map((g) => groupOptions(tree, g, inTreeRoots.get(g.suffix)));
  if (options.some((o) => o.length === 0)) return [];
  const out: AllocationRequest[] = [];
  const combine = (i: number, chosen: Option[]): void => {
    if (out.length >= MAX_PER_TREE) return;
    if (i === options.length) {
      const used = new Map<string, Resources>();
      const mappings: Record<string, string[]> = {};
      const numbered = new Set<string>();
      for (let k = 0; k < chosen.length; k++) {
        const g = q.groups[k]!;
        mappings[g.suffix] = [];
        for (const part of chosen[k]!) {
          if (q.groupPolicy === 'isolate' && g.suffix !== '') {
            if (numbered.has(part.rp.uuid)) return;
            numbered.add(part.rp.uuid);
          }
          const u = used.get(part.rp.uuid) ?? {};
          for (const rc in part.resources) {
            if (!canProvide(part.rp, rc, part.resources[rc]!, u[rc] ?? 0)) {
              // Two groups on one provider together: only the total must fit.
              const inv = part.rp.inventories[rc]!;
              const total = (u[rc] ?? 0) + part.resources[rc]!;
              if (total > inv.maxUnit || (part.rp.usages[rc] ?? 0) + total > Math.floor((inv.total - inv.reserved) * inv.allocationRatio)) return;
            }
            u[rc] = (u[rc] ?? 0) + part.resources[rc]!;
          }
          used.set(part.rp.uuid, u);
          mappings[g.suffix]!.push(part.rp.uuid);
        }
      }
      const allocations: Record<string, Resources> = {};
      for (const [uuid, r] of used) if (Object.keys(r).length > 0) allocations[uuid] = r;
      if (Object.keys(allocations).length === 0) return;
      out.push({ allocations, mappings });
      return;
    }
    for (const o of options[i]!) combine(i + 1, [...chosen, o]);
  };
  combine(0, []);
  return out;
}

/** Candidates among these providers, trees in the order of their roots, at most `q.limit` of them. */
export function allocationCandidates(records: readonly ProviderRecord[], q: CandidatesQuery): CandidatesResult {
  const byUuid = new Map(records.map((r) => [r.uuid, r]));
  const inTreeRoots = new Map<string, string | undefined>();
  for (const g of q.groups) if (g.inTree !== undefined) inTreeRoots.set(g.suffix, byUuid.get(g.inTree)?.rootProviderUuid ?? '\u0000none');
  const trees = new Map<string, ProviderRecord[]>();
  for (const r of records) {
    const t = trees.get(r.rootProviderUuid);
    if (t) t.push(r);
    else trees.set(r.rootProviderUuid, [r]);
  }
  const allocationRequests: AllocationRequest[] = [];
  const providers: ProviderRecord[] = [];
  for (const tree of trees.values()) {
    if (q.limit !== undefined && allocationRequests.length >= q.limit) break;
    const found = treeCandidates(tree, q, inTreeRoots);
    if (found.length === 0) continue;
    allocationRequests.push(...found);
    providers.push(...tree);
  }
  if (q.limit !== undefined) allocationRequests.length = Math.min(allocationRequests.length, q.limit);
  return { allocationRequests, providers };
}
