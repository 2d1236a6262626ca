/**
 * TargetCellFilter (cells v1): the admin hint `target_cell` sends a build to one cell's subtree. A child
 * passes on the way there (the target is in its subtree) and inside it (it is in the target's subtree),
 * so a target that names an intermediate cell lets its own children all take the build.
 */
import type { CellFilter } from '../types.ts';

function hint(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export const TargetCellFilter: CellFilter = {
  name: 'TargetCellFilter',
  passes(child, req) {
    const target = hint(req.spec.schedulerHints.target_cell);
    if (!target) return true;
    return target === child.path || target.startsWith(`${child.path}!`) || child.path.startsWith(`${target}!`);
  },
};
