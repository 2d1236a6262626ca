/**
 * How the Placement API reaches the leaves' placements: one leaf by cell path, or every leaf at
 * once (one message per subtree, merged hop by hop). The API cell implements it over the tree;
 * LocalPlacementBackend serves placements held in this process (one cell, tests).
 */
import { callPlacementOp, placementOps, type Placement, type PlacementOp, type PlacementOps, type PlacementReply } from '../../placement/index.ts';

export interface LeafReply {
  cell: string;
  reply?: PlacementReply;
  /** The leaf did not answer (link down, timeout). */
  error?: string;
}

export interface PlacementBackend {
  placementCall(cell: string, op: PlacementOp, args: unknown, reqId: string): Promise<PlacementReply>;
  placementBroadcast(op: PlacementOp, args: unknown, reqId: string): Promise<LeafReply[]>;
}

/** Placements in this process, by cell name; each call runs against that cell's placement directly. */
export class LocalPlacementBackend implements PlacementBackend {
  private readonly ops = new Map<string, PlacementOps>();

  constructor(cells: ReadonlyMap<string, Placement>, now: () => number) {
    for (const [cell, p] of cells) this.ops.set(cell, placementOps(p, now));
  }

  async placementCall(cell: string, op: PlacementOp, args: unknown): Promise<PlacementReply> {
    const ops = this.ops.get(cell);
    if (!ops) return { ok: false, status: 404, code: 'placement.undefined_code', detail: `unknown cell ${cell}` };
    return structuredClone(callPlacementOp(ops, op, structuredClone(args)));
  }

  async placementBroadcast(op: PlacementOp, args: unknown): Promise<LeafReply[]> {
    return [...this.ops.entries()].map(([cell, ops]) => ({ cell, reply: structuredClone(callPlacementOp(ops, op, structuredClone(args))) }));
  }
}
