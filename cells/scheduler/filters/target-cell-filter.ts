/** TargetCellFilter (cells v1): the admin hint `target_cell` sends a build to one cell's subtree. */
import type { CellFilter } from '../types.ts';

function hint(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export const TargetCellFilter: CellFilter = {
  name: 'TargetCellFilter',
  passes(child, req) {
    const target = hint(req.spec.schedulerHints.target_cell);
    if (!target) return true;
    return target === child.path || target.startsWith(`${child.path}!`);
  },
};
