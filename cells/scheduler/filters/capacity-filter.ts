/** CapacityFilter: a cell is a candidate only if every instance of the request still fits in it. */
import type { CellFilter } from '../types.ts';
import { unitsOf } from '../../capacity/capacity.ts';

export const CapacityFilter: CellFilter = {
  name: 'CapacityFilter',
  passes(child, req) {
    return unitsOf(child.capacity, req.spec.flavor) >= req.numInstances;
  },
};
