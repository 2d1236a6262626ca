/**
 * Which providers match a request group (placement's GET /resource_providers filters and one group
 * of GET /allocation_candidates): resources with capacity left, required / forbidden / any-of
 * traits, member_of aggregates (any of each list, every list; forbidden with `!`), in_tree.
 */
import { canProvide, type ProviderRecord } from './records.ts';
import type { Resources } from './placement.ts';

export interface RequestGroup {
  /** '' for the unnamed group, else the granular suffix (`1`, `_NET`). */
  suffix: string;
  resources: Resources;
  required: string[];
  forbidden: string[];
  /** Each inner list: at least one of these traits (1.39 `in:`). */
  anyOf: string[][];
  /** Each inner list: a member of at least one of these aggregates. */
  memberOf: string[][];
  forbiddenAggregates: string[];
  /** Only providers in the tree of this provider. */
  inTree?: string;
}

export function emptyGroup(suffix = ''): RequestGroup {
  return { suffix, resources: {}, required: [], forbidden: [], anyOf: [], memberOf: [], forbiddenAggregates: [] };
}

export function traitsMatch(traits: ReadonlySet<string> | readonly string[], g: Pick<RequestGroup, 'required' | 'forbidden' | 'anyOf'>): boolean {
  const has = (t: string) => ('has' in traits ? traits.has(t) : traits.includes(t));
  for (const r of g.required) if (!has(r)) return false;
  for (const f of g.forbidden) if (has(f)) return false;
  for (const any of g.anyOf) if (!any.some(has)) return false;
  return true;
}

export function aggregatesMatch(aggs: readonly string[], g: Pick<RequestGroup, 'memberOf' | 'forbiddenAggregates'>): boolean {
  for (const any of g.memberOf) if (!any.some((a) => aggs.includes(a))) return false;
  for (const f of g.forbiddenAggregates) if (aggs.includes(f)) return false;
  return true;
}

/** The root a provider uuid belongs to among these records (undefined if the provider is not here). */
export function rootIn(records: ReadonlyMap<string, ProviderRecord>, uuid: string): string | undefined {
  return records.get(uuid)?.rootProviderUuid;
}

/** Does one provider alone satisfy the group (GET /resource_providers semantics)? */
export function providerMatches(r: ProviderRecord, g: RequestGroup, inTreeRoot?: string | null): boolean {
  if (inTreeRoot !== undefined && r.rootProviderUuid !== inTreeRoot) return false;
  for (const rc in g.resources) if (!canProvide(r, rc, g.resources[rc]!)) return false;
  return traitsMatch(r.traits, g) && aggregatesMatch(r.aggregates, g);
}
