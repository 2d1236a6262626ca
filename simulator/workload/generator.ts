/**
 * The workload as a stream of build requests in time order. Each attribute has its own named random
 * stream (arrivals, flavors, lifetimes, groups, zones, cells) and every request draws the same number of
 * values from each, so changing one part of a scenario (adding server groups, a fault, a Nova option)
 * leaves the others' numbers where they were. Deterministic per seed; the oracle replays it by
 * building a second generator with the same seed.
 */
import type { Rng } from '../../runtime/rng/index.ts';
import type { PlanFlavor } from '../../topology/plan-types.ts';
import { pickWeighted, type ResolvedWorkload } from '../scenario/model.ts';
import type { GroupPolicy } from '../scenario/schema-workload.ts';
import { arrivalProcess, type ArrivalProcess } from './arrivals.ts';
import { sample } from './distributions.ts';

export interface SimRequestSpec {
  /** 0-based position in the workload. */
  index: number;
  /** Arrival, ms from the start of the run. */
  atMs: number;
  flavor: PlanFlavor;
  /** Instances in this request (min_count = max_count). */
  count: number;
  /** How long the servers live once requested; null: forever. */
  lifetimeMs: number | null;
  group: { policy: GroupPolicy } | null;
  availabilityZone: string | null;
  /** cells v1 `target_cell` hint: a full cell name (the request goes to that subtree). */
  targetCell: string | null;
}

export class WorkloadGenerator {
  private readonly s;
  private readonly arrivals: ArrivalProcess | null;
  private index = 0;
  private t = 0;

  constructor(
    private readonly w: ResolvedWorkload,
    rng: Rng,
    private readonly durationMs: number,
  ) {
    this.s = {
      arrivals: rng.stream('workload/arrivals'),
      flavors: rng.stream('workload/flavors'),
      lifetimes: rng.stream('workload/lifetimes'),
      groups: rng.stream('workload/groups'),
      zones: rng.stream('workload/zones'),
      cells: rng.stream('workload/cells'),
    };
    this.arrivals = w.trace ? null : arrivalProcess(w.arrivals, this.s.arrivals, durationMs);
  }

  /** The next request, or undefined once the duration (or max_requests) is reached. */
  next(): SimRequestSpec | undefined {
    const { w, s } = this;
    if (w.maxRequests !== null && this.index >= w.maxRequests) return undefined;
    const row = w.trace ? w.trace[this.index] : undefined;
    let at: number;
    if (w.trace) {
      if (!row) return undefined;
      at = row.atMs;
    } else {
      at = this.arrivals!.next(this.t);
    }
    if (!(at < this.durationMs)) return undefined;
    this.t = at;
    // Every stream is drawn every time, whether or not the value is used (see the header).
    const flavor = pickWeighted(w.flavors, s.flavors.next());
    const lifetime = w.lifetime ? sample(w.lifetime, s.lifetimes) : null;
    const gu = s.groups.next();
    const gp = s.groups.next();
    const gs = s.groups.next();
    const zu = s.zones.next();
    const zp = s.zones.next();
    const cu = s.cells.next();
    const cp = s.cells.next();
    const g = w.serverGroups;
    let group: SimRequestSpec['group'] = g && gu < g.fraction ? { policy: pickWeighted(g.policies, gp) } : null;
    let count = group ? g!.minSize + Math.floor(gs * (g!.maxSize - g!.minSize + 1)) : 1;
    const az = w.availabilityZones && zu < w.availabilityZones.fraction ? pickWeighted(w.availabilityZones.choices, zp) : null;
    const cell = w.targetCells && cu < w.targetCells.fraction ? pickWeighted(w.targetCells.choices, cp) : null;
    const req: SimRequestSpec = { index: this.index++, atMs: at, flavor, count, lifetimeMs: lifetime, group, availabilityZone: az, targetCell: cell };
    if (row) {
      if (row.flavor !== undefined) req.flavor = w.flavors.items.find((f) => f.name === row.flavor) ?? flavorByName(w, row.flavor) ?? flavor;
      if (row.groupPolicy !== undefined) group = req.group = { policy: row.groupPolicy };
      if (row.count !== undefined) count = row.count;
      req.count = count;
      if (row.lifetimeMs !== undefined) req.lifetimeMs = row.lifetimeMs;
      if (row.availabilityZone !== undefined) req.availabilityZone = row.availabilityZone;
      if (row.targetCell !== undefined) req.targetCell = row.targetCell;
    }
    return req;
  }
}

function flavorByName(w: ResolvedWorkload, name: string): PlanFlavor | undefined {
  return w.allFlavors.find((f) => f.name === name);
}
