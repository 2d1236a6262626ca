/** MuteChildWeigher (cells v1, multiplier -10000.0): kept for fidelity; muted children are also filtered out. */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { CellWeigher } from '../types.ts';

export function muteChildWeigher(config: NovaConfig): CellWeigher {
  return {
    name: 'MuteChildWeigher',
    multiplier: () => config.cells.mute_weight_multiplier,
    weigh: (child) => (child.muted ? 1 : 0),
  };
}
