/**
 * A cell a process reports on, and its figures as the metrics and the dashboard read them: the cell's
 * own capacity (a leaf from its hosts, a parent the sum of its unmuted children) and flavor names for
 * the per-flavor units, which travel keyed by flavor id.
 */
import type { Capacity } from '../capacity/capacity.ts';
import type { ApiCell } from '../tree/api-cell.ts';
import type { RunningCell } from '../tree/start-cell.ts';

export interface WatchedCell {
  path: string;
  rc: RunningCell;
  apiCell?: ApiCell;
}

export interface CellFigures {
  path: string;
  capacity: Capacity;
  flavorName(id: string): string;
}

export async function cellFigures(w: WatchedCell): Promise<CellFigures | undefined> {
  let capacity: Capacity | undefined;
  if (w.apiCell) capacity = w.apiCell.capacity();
  else if (w.rc.leaf && w.rc.node) capacity = (await w.rc.node.status(0)).capacity;
  else if (w.rc.role) capacity = w.rc.role.children.total();
  if (!capacity) return undefined;
  const flavors = w.apiCell ? w.apiCell.flavorList() : (w.rc.node?.lastGlobal()?.flavors ?? []);
  const names = new Map(flavors.map((f) => [f.id, f.name]));
  return { path: w.path, capacity, flavorName: (id) => names.get(id) ?? id };
}

export async function walkCells(cells: readonly WatchedCell[]): Promise<CellFigures[]> {
  const out: CellFigures[] = [];
  for (const w of cells) {
    const f = await cellFigures(w);
    if (f) out.push(f);
  }
  return out;
}
