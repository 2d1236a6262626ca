/** WeightOffsetWeigher (cells v1, multiplier 1.0): an operator's fixed preference per cell. */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { CellWeigher } from '../types.ts';

export function weightOffsetWeigher(config: NovaConfig): CellWeigher {
  return {
    name: 'WeightOffsetWeigher',
    multiplier: () => config.cells.offset_weight_multiplier,
    weigh: (child) => child.weightOffset,
  };
}
