/**
 * What `novacell status` shows, as data: each cell's own view of its capacity and, for each child,
 * the link state and capacity its parent holds plus the child's own answer (asked in turn, so one
 * silent subtree costs one timeout, not a hang). Served on `nc/<cell>/status` by every cell process.
 */
import { anySender, HandlerTable, type Bus, type BusLogger } from '../../runtime/bus/index.ts';
import type { Capacity } from '../capacity/capacity.ts';
import { CellStatusRequest } from '../messages.ts';
import { describeSender, senderOf, type Sender } from '../security/principals.ts';
import { statusTopic } from '../topics.ts';

export type LinkState = 'up' | 'muted' | 'down';

export interface CellStatus {
  cell: string;
  role: 'api' | 'intermediate' | 'leaf';
  /** The cell's own figure: a leaf's from its hosts, a parent's the sum of its unmuted children. */
  capacity: Capacity;
  /** Instances the cell holds (a leaf: live instances; the API cell: its copies). */
  instances?: number;
  children: ChildStatus[];
}

export interface ChildStatus {
  cell: string;
  /** The link as the parent sees it: up, muted (silent too long) or down (last will, never joined). */
  link: LinkState;
  /** Milliseconds since the parent last heard from the child (null: never). */
  lastHeardMsAgo: number | null;
  /** The capacity the parent holds for the child (its reports, before in-flight builds). */
  reported: Capacity;
  /** Instances sent to the child that its reports do not show yet. */
  inFlight: number;
  /** The child's own answer; absent when it did not answer in time. */
  status?: CellStatus;
  error?: string;
}

/** Answer `cell_status` calls on the cell's status topic; only the cell's own services can write it (the broker's policy). */
export async function serveStatus(bus: Bus, cell: string, status: (timeoutMs: number) => Promise<CellStatus>, log: BusLogger): Promise<void> {
  const table = new HandlerTable<Sender>({ name: `status ${cell}`, senderOf: (m) => senderOf(cell, m.topic), describe: describeSender, log })
    .on(CellStatusRequest, { allow: anySender, handle: (b) => status(b.timeoutMs) });
  await bus.subscribe(statusTopic(cell), table.handler());
}

/** Walk a status tree, parents first. */
export function* walkStatus(s: CellStatus, depth = 0, via?: ChildStatus): Generator<{ status?: CellStatus; child?: ChildStatus; cell: string; depth: number }> {
  yield { status: s, child: via, cell: s.cell, depth };
  for (const c of s.children) {
    if (c.status) yield* walkStatus(c.status, depth + 1, c);
    else yield { child: c, cell: c.cell, depth: depth + 1 };
  }
}
