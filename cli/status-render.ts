/**
 * The status tree as a table: one line per cell, indented by depth, with its link as its parent sees
 * it and the capacity rolled up to the parent (for the top cell, its own total). Cells that did not
 * answer show why, and the cells below them (from the topology) as unknown.
 */
import type { TopologyPlan } from '../topology/plan-types.ts';
import type { Capacity } from '../cells/capacity/capacity.ts';
import type { CellStatus, ChildStatus } from '../cells/tree/status.ts';

type Row = string[];

const HEAD: Row = ['CELL', 'LINK', 'HOSTS UP', 'VCPUS FREE', 'RAM FREE (MB)', 'DISK FREE (GB)', 'INSTANCES', 'FITS (per flavor)'];

function capCols(c: Capacity | undefined, flavorName: (id: string) => string): Row {
  if (!c) return ['?', '?', '?', '?', '', ''];
  const units = Object.entries(c.units).map(([id, n]) => `${flavorName(id)}=${n}`).join(' ');
  return [`${c.hostsUp}/${c.hosts}`, `${c.vcpusFree}/${c.vcpus}`, `${c.memoryMbFree}/${c.memoryMb}`, `${c.diskGbFree}/${c.diskGb}`, '', units];
}

export function renderStatus(s: CellStatus, plan: TopologyPlan): string {
  const flavorName = (id: string) => plan.flavors.find((f) => f.id === id)?.name ?? id;
  const rows: Row[] = [HEAD];
  const line = (label: string, link: string, cap: Capacity | undefined, instances: number | undefined) => {
    const cols = capCols(cap, flavorName);
    cols[4] = instances === undefined ? '' : String(instances);
    rows.push([label, link, ...cols]);
  };
  const unknownBelow = (path: string, prefix: string) => {
    const kids = plan.cells.find((c) => c.path === path)?.childPaths ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      line(`${prefix}${last ? '└─ ' : '├─ '}${k}`, 'unknown', undefined, undefined);
      unknownBelow(k, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  const walk = (node: CellStatus, prefix: string) => {
    node.children.forEach((c: ChildStatus, i) => {
      const last = i === node.children.length - 1;
      const link = c.error ? `${c.link}, no answer: ${c.error}` : c.link;
      line(`${prefix}${last ? '└─ ' : '├─ '}${c.cell}`, link, c.reported, c.status?.instances);
      const deeper = `${prefix}${last ? '   ' : '│  '}`;
      if (c.status) walk(c.status, deeper);
      else unknownBelow(c.cell, deeper);
    });
  };
  line(s.cell, s.role === 'api' ? 'top' : 'self', s.capacity, s.instances);
  walk(s, '');
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return `${rows.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')}\n`;
}
