/** CapacityFilter: a cell is a candidate only if every instance of the request still fits in it. */
import type { CellFilter } from '../types.ts';

export const CapacityFilter: CellFilter = {
  name: 'CapacityFilter',
  passes(child, req) {
    return (child.capacity.units[req.spec.flavor.id] ?? 0) >= req.numInstances;
  },
};
