/**
 * Walking the cell tree in pre-order (parents before children), with each cell's full name
 * (`api!eu!fra1`) and its data path in the file (`cell.children[0].children[1]`) for error messages.
 */
import { join } from 'node:path';
import type { PathSegment } from './errors.ts';
import type { Cell } from './schema-cell.ts';

/** Full cell names join path segments with "!", as cells v1 did. */
export const CELL_PATH_SEPARATOR = '!';

export interface CellVisit {
  cell: Cell;
  /** Full name, e.g. `api!eu!fra1`. */
  path: string;
  parent: CellVisit | null;
  depth: number;
  /** Where the cell is in the file's data. */
  dataPath: PathSegment[];
}

export function walkCells(root: Cell, visit: (v: CellVisit) => void): void {
  const go = (cell: Cell, parent: CellVisit | null, dataPath: PathSegment[]): void => {
    const v: CellVisit = {
      cell,
      path: parent ? `${parent.path}${CELL_PATH_SEPARATOR}${cell.name}` : cell.name,
      parent,
      depth: parent ? parent.depth + 1 : 0,
      dataPath,
    };
    visit(v);
    cell.children.forEach((child, i) => go(child, v, [...dataPath, 'children', i]));
  };
  go(root, null, ['cell']);
}

/** A cell's site: its own, else the nearest ancestor's. */
export function effectiveSite(v: CellVisit): string | undefined {
  for (let cur: CellVisit | null = v; cur; cur = cur.parent) if (cur.cell.site !== undefined) return cur.cell.site;
  return undefined;
}

/**
 * Default SQLite file of a cell: `<data_dir>/api.eu.fra1.sqlite`. Dots, not "!", because "!" triggers
 * history expansion in interactive shells; cell names cannot contain dots, so the name stays unique.
 */
export function defaultDatabaseFile(dataDir: string, cellPath: string): string {
  return join(dataDir, `${cellPath.split(CELL_PATH_SEPARATOR).join('.')}.sqlite`);
}
