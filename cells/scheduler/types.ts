/** What the cell scheduler sees of each child cell, and what it is asked to place. */
import type { Capacity } from '../messages.ts';
import type { BuildSpec } from '../../actors/conductor/messages.ts';

export interface ChildCell {
  path: string;
  isLeaf: boolean;
  capacity: Capacity;
  /** Silent for mute_child_interval, or its link is gone: left out of scheduling. */
  muted: boolean;
  weightOffset: number;
  /** The compute hosts of the child's subtree, lower case, when the plan gives them. */
  hosts?: ReadonlySet<string>;
}

export interface CellRequest {
  spec: BuildSpec;
  numInstances: number;
  /** Cells that already handed this build back. */
  tried: readonly string[];
}

export interface CellFilter {
  readonly name: string;
  passes(child: ChildCell, req: CellRequest): boolean;
}

export interface CellWeigher {
  readonly name: string;
  multiplier(): number;
  weigh(child: ChildCell, req: CellRequest): number;
}
