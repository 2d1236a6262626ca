/**
 * Host aggregates as the API pushes them to a cell's scheduler: the topology's aggregates plus one per
 * availability zone given on host groups (Nova keeps zones as aggregate metadata), each listing only
 * the hosts of that cell.
 */
import type { AggregateWithHosts } from '../../actors/conductor/messages.ts';
import type { TopologyPlan } from '../../topology/plan-types.ts';
import { planAggregates } from '../../cells/tree/tree.ts';

export function aggregatesByCell(plan: TopologyPlan): Map<string, AggregateWithHosts[]> {
  const all = planAggregates(plan);
  const cellOf = new Map(plan.hosts.map((h) => [h.name, h.cell]));
  const out = new Map<string, AggregateWithHosts[]>();
  for (const a of all) {
    const byCell = new Map<string, string[]>();
    for (const h of a.hosts) {
      const c = cellOf.get(h);
      if (!c) continue;
      let l = byCell.get(c);
      if (!l) byCell.set(c, (l = []));
      l.push(h);
    }
    for (const [cell, hosts] of byCell) {
      let l = out.get(cell);
      if (!l) out.set(cell, (l = []));
      l.push({ ...a, hosts });
    }
  }
  return out;
}
