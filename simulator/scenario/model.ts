/**
 * A scenario once loaded and resolved: the topology plan with the scenario's Nova options applied, the
 * workload with flavors and hints resolved against it, faults expanded to hosts and cells, and where it
 * all came from (file, content hash, overrides) for the results manifest.
 */
import type { PlanFlavor, TopologyPlan } from '../../topology/plan-types.ts';
import type { Distribution } from '../workload/distributions.ts';
import type { TraceRow } from '../workload/trace.ts';
import type { ArrivalsSpec, GroupPolicy } from './schema-workload.ts';
import type { NetworkSpec } from './schema.ts';

export interface Weighted<T> {
  items: T[];
  /** Cumulative weights, last = total. */
  cumulative: number[];
}

export interface ResolvedWorkload {
  arrivals: ArrivalsSpec;
  flavors: Weighted<PlanFlavor>;
  /** Every flavor of the topology (a trace may name any of them). */
  allFlavors: PlanFlavor[];
  lifetime: Distribution | null;
  serverGroups: { fraction: number; minSize: number; maxSize: number; policies: Weighted<GroupPolicy> } | null;
  availabilityZones: { fraction: number; choices: Weighted<string> } | null;
  targetCells: { fraction: number; choices: Weighted<string> } | null;
  maxRequests: number | null;
  /** Rows of the trace file, for process: trace. */
  trace: TraceRow[] | null;
}

export type FaultKind = 'host_down' | 'link_cut' | 'site_lost';

export interface ResolvedFault {
  /** 0-based position in the scenario's fault list. */
  index: number;
  kind: FaultKind;
  label: string;
  atMs: number;
  /** When it is repaired, or null (never). */
  untilMs: number | null;
  hosts: string[];
  cells: string[];
  site: string | null;
}

export interface ScenarioSource {
  /** The scenario file as given (or `<object>`). */
  file: string;
  /** sha256 of the scenario text, the overrides and every file it references. */
  hash: string;
  overrides: string[];
}

export interface Scenario {
  name: string;
  description: string | null;
  seed: string;
  durationMs: number;
  drainMs: number;
  sampleMs: number;
  plan: TopologyPlan;
  network: NetworkSpec;
  spawnTime: Distribution | null;
  workload: ResolvedWorkload;
  faults: ResolvedFault[];
  target: 'flat-cells' | 'cell-tree';
  oracle: boolean;
  database: 'discard' | 'memory';
  source: ScenarioSource;
}

export function weighted<T>(entries: readonly (readonly [T, number])[]): Weighted<T> {
  const items: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [item, w] of entries) {
    if (!(w > 0)) continue;
    total += w;
    items.push(item);
    cumulative.push(total);
  }
  return { items, cumulative };
}

/** Pick by weight with one uniform draw `u` in [0, 1). */
export function pickWeighted<T>(w: Weighted<T>, u: number): T {
  const target = u * w.cumulative[w.cumulative.length - 1]!;
  let lo = 0;
  let hi = w.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (w.cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return w.items[lo]!;
}
