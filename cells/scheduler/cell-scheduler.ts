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

function normalize(ws: number[]): number[] {
  if (ws.length === 0) return ws;
  const min = Math.min(...ws);
  const max = Math.max(...ws);
  if (min === max) return ws.map(() => 0);
  return ws.map((w) => (w - min) / (max - min));
}

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

  private weigh(children: readonly ChildCell[], req: CellRequest): { passing: ChildCell[]; total: number[] } {
    const passing = children.filter((c) => this.filters.every((f) => f.passes(c, req)));
    const total = passing.map(() => 0);
    for (const w of this.weighers) {
      const m = w.multiplier();
      if (m === 0) continue;
      normalize(passing.map((c) => w.weigh(c, req))).forEach((v, i) => (total[i]! += m * v));
    }
    return { passing, total };
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
