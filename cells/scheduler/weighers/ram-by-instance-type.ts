/** RamByInstanceTypeWeigher (cells v1, multiplier 10.0): more room for this flavor, more weight. */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { CellWeigher } from '../types.ts';

export function ramByInstanceTypeWeigher(config: NovaConfig): CellWeigher {
  return {
    name: 'RamByInstanceTypeWeigher',
    multiplier: () => config.cells.ram_weight_multiplier,
    weigh: (child, req) => (child.capacity.units[req.spec.flavor.id] ?? 0) * req.spec.flavor.memoryMb,
  };
}
