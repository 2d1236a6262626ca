/** RamByInstanceTypeWeigher (cells v1, multiplier 10.0): more room for this flavor, more weight. */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { CellWeigher } from '../types.ts';
import { unitsOf } from '../../capacity/capacity.ts';

export function ramByInstanceTypeWeigher(config: NovaConfig): CellWeigher {
  return {
    name: 'RamByInstanceTypeWeigher',
    multiplier: () => config.cells.ram_weight_multiplier,
    weigh: (child, req) => unitsOf(child.capacity, req.spec.flavor) * req.spec.flavor.memoryMb,
  };
}
