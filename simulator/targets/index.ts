/**
 * Systems a scenario can simulate, by the name its `target:` field uses: `cell-tree` (the real cell
 * tree) and `flat-cells` (leaf cells side by side under one API level with the tree's cell scheduler, a baseline).
 */
import type { SimTargetFactory } from '../target.ts';
import { startFlatCells } from './flat-cells.ts';
import { startCellTree } from './cell-tree.ts';

export const TARGETS: Record<string, SimTargetFactory | undefined> = {
  'flat-cells': startFlatCells,
  'cell-tree': startCellTree,
};

export function targetFactory(name: string): SimTargetFactory {
  const f = TARGETS[name];
  if (!f) throw new Error(`simulator: target "${name}" is not available yet (have: ${Object.keys(TARGETS).join(', ')})`);
  return f;
}
