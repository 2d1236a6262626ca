/**
 * The cell scheduler: which child cell takes a build. Filters first, then weighers normalised to [0,1]
 * per request as in nova/weights.py, multiplied and summed; ties go to the earlier child. Returns the
 * children in order of preference (the first is tried; the rest are where a hand-back goes next).
 */
import type { NovaConfig } from '../../runtime/config/index.ts';
import type { CellFilter, CellRequest, CellWeigher, ChildCell } from './types.ts';
import { EligibleCellFilter } from './filters/eligible-filter.ts';
import { TargetCellFilter } from './filters/target-cell-filter.ts';
import { RequestedHostCellFilter } from './filters/requested-host-filter.ts';
import { DifferentCellFilter } from './filters/different-cell-filter.ts';
import { CellImagePropertiesFilter } from './filters/image-properties-filter.ts';
import { CellAvailabilityZoneFilter } from './filters/availability-zone-filter.ts';
import { CapacityFilter } from './filters/capacity-filter.ts';
import { ramByInstanceTypeWeigher } from './weighers/ram-by-instance-type.ts';
import { weightOffsetWeigher } from './weighers/weight-offset.ts';
import { muteChildWeigher } from './weighers/mute-child.ts';

export const CELL_FILTERS: readonly CellFilter[] = [
  EligibleCellFilter, TargetCellFilter, RequestedHostCellFilter, DifferentCellFilter, CellImagePropertiesFilter, CellAvailabilityZoneFilter, CapacityFilter,
];

export class CellScheduler {
  private readonly weighers: CellWeigher[];

  constructor(config: NovaConfig, private readonly filters: readonly CellFilter[] = CELL_FILTERS) {
    this.weighers = [ramByInstanceTypeWeigher(config), weightOffsetWeigher(config), muteChildWeigher(config)];
  }

  /** Candidate children, best first; empty when none passes the filters. */
  rank(children: readonly ChildCell[], req: CellRequest): ChildCell[] {
    const { passing, total } = this.weigh(children, req);
    return passing.map((c, i) => ({ c, w: total[i]!, i })).sort((a, b) => b.w - a.w || a.i - b.i).map((x) => x.c);
  }

  /** The first of `rank`, without sorting the rest (a parent of a thousand leaf cells asks this per build). */
  best(children: readonly ChildCell[], req: CellRequest): ChildCell | undefined {
    const { passing, total } = this.weigh(children, req);
    let best = -1;
    for (let i = 0; i < passing.length; i++) if (best < 0 || total[i]! > total[best]!) best = i;
    return best < 0 ? undefined : passing[best];
  }

  /**
   * The children that pass every filter, and their summed weights: each weigher's values normalised to
   * [0,1] over the passing children (all 0 when they are equal), times its multiplier. Plain loops: a
   * flat parent weighs a thousand children per build.
   */
  private weigh(children: readonly ChildCell[], req: CellRequest): { passing: ChildCell[]; total: number[] } {
    const passing: ChildCell[] = [];
    for (const c of children) if (this.passes(c, req)) passing.push(c);
    const n = passing.length;
    const total: number[] = new Array<number>(n).fill(0);
    const ws = new Float64Array(n);
    for (const w of this.weighers) {
      const m = w.multiplier();
      if (m === 0 || n === 0) continue;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = w.weigh(passing[i]!, req);
        ws[i] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min === max) continue;
      const span = max - min;
      for (let i = 0; i < n; i++) total[i]! += m * ((ws[i]! - min) / span);
    }
    return { passing, total };
  }

  private passes(c: ChildCell, req: CellRequest): boolean {
    for (const f of this.filters) if (!f.passes(c, req)) return false;
    return true;
  }

  /** Why each child was left out, for logs and faults. */
  explain(children: readonly ChildCell[], req: CellRequest): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of children) {
      const f = this.filters.find((x) => !x.passes(c, req));
      if (f) out[c.path] = f.name;
    }
    return out;
  }
}
