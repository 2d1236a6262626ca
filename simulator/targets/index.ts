/**
 * Systems a scenario can simulate, by the name its `target:` field uses. The cell tree registers
 * `cell-tree` here when it lands.
 */
import type { SimTargetFactory } from '../target.ts';
import { startFlatCells } from './flat-cells.ts';

export const TARGETS: Record<string, SimTargetFactory | undefined> = {
  'flat-cells': startFlatCells,
};

export function targetFactory(name: string): SimTargetFactory {
  const f = TARGETS[name];
  if (!f) throw new Error(`simulator: target "${name}" is not available yet (have: ${Object.keys(TARGETS).join(', ')})`);
  return f;
}
