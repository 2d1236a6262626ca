/**
 * Always on: a muted child (silent, or its link gone) and a cell that already handed the build back
 * are not candidates. Cells v1 only ranked muted children lower; we leave them out.
 */
import type { CellFilter } from '../types.ts';

export const EligibleCellFilter: CellFilter = {
  name: 'EligibleCellFilter',
  passes(child, req) {
    return !child.muted && !req.tried.includes(child.path);
  },
};
