/**
 * Host aggregates as the API pushes them to a cell's scheduler: the topology's aggregates plus one per
 * availability zone given on host groups (Nova keeps zones as aggregate metadata), each listing only
 * the hosts of that cell.
 */
import type { AggregateWithHosts } from '../../actors/conductor/messages.ts';
import type { TopologyPlan } from '../../topology/plan-types.ts';

export function aggregatesByCell(plan: TopologyPlan): Map<string, AggregateWithHosts[]> {
  const defaultZone = plan.cells[0]?.nova.DEFAULT.default_availability_zone ?? 'nova';
  const all: AggregateWithHosts[] = plan.aggregates.map((a) => ({
    id: a.id, name: a.name, availabilityZone: a.availability_zone, metadata: a.metadata, hosts: a.hosts,
  }));
  const zoned = new Set(plan.aggregates.filter((a) => a.availability_zone).flatMap((a) => a.hosts));
  const byZone = new Map<string, string[]>();
  for (const h of plan.hosts) {
    if (h.availability_zone === defaultZone || zoned.has(h.name)) continue;
    let list = byZone.get(h.availability_zone);
    if (!list) byZone.set(h.availability_zone, (list = []));
    list.push(h.name);
  }
  let id = all.length;
  for (const [zone, hosts] of byZone) {
    all.push({ id: ++id, name: `az-${zone}`, availabilityZone: zone, metadata: { availability_zone: zone }, hosts });
  }
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
