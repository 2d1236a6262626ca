/**
 * DifferentCellFilter (cells v1): the admin hint `different_cell` keeps a build out of the named cell.
 * A parent of that cell still passes: its other children may take the build.
 */
import type { CellFilter } from '../types.ts';

export const DifferentCellFilter: CellFilter = {
  name: 'DifferentCellFilter',
  passes(child, req) {
    const raw = req.spec.schedulerHints.different_cell;
    if (!raw) return true;
    const avoid = Array.isArray(raw) ? raw : [raw];
    return !avoid.some((a) => a === child.path || (child.isLeaf && a.startsWith(`${child.path}!`)));
  },
};
