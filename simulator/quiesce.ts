/**
 * Quiescence: the virtual clock may only move on once everything a timer set off has finished —
 * actor messages (nact hands each one to `setImmediate`), group-commit flushes (`setImmediate`) and
 * SQLite statements running on libuv's thread pool. VirtualClock.advance() waits a fixed five event-loop
 * turns, which a database commit can outlast; then virtual time runs ahead of the work and a run is no
 * longer repeatable. `runClockUntil` fires timers one by one and waits for true quiescence in between.
 * Pending immediates are counted by wrapping the global setImmediate (asking Node for its active
 * resources costs a list of every handle, thousands with a thousand cells).
 */
import type { VirtualClock } from '../runtime/clock/index.ts';
import { databaseStatementsInFlight, trackDatabaseWork } from './db-work.ts';

export { discardMemoryDatabases } from './db-work.ts';

type Immediate = ReturnType<typeof setImmediate> & { __simPending?: boolean };

let pendingImmediates = 0;
let wrapped = false;
const rawSetImmediate = globalThis.setImmediate;
const rawClearImmediate = globalThis.clearImmediate;

function trackImmediates(): void {
  if (wrapped) return;
  wrapped = true;
  const set = (fn: (...args: unknown[]) => void, ...args: unknown[]): Immediate => {
    pendingImmediates++;
    const handle: Immediate = rawSetImmediate(() => {
      if (handle.__simPending) {
        handle.__simPending = false;
        pendingImmediates--;
      }
      fn(...args);
    });
    handle.__simPending = true;
    return handle;
  };
  const clear = (handle: Immediate | undefined): void => {
    if (handle?.__simPending) {
      handle.__simPending = false;
      pendingImmediates--;
    }
    rawClearImmediate(handle);
  };
  globalThis.setImmediate = Object.assign(set, { __promisify__: rawSetImmediate.__promisify__ }) as unknown as typeof setImmediate;
  globalThis.clearImmediate = clear as typeof clearImmediate;
}

/** Start counting the work quiescence waits for (database statements, immediates). Idempotent. */
export function trackAsyncWork(): void {
  trackDatabaseWork();
  trackImmediates();
}

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => rawSetImmediate(resolve));

/** Statements in flight and immediates queued: the work a timer set off that has not finished. */
export function busy(): boolean {
  return databaseStatementsInFlight() > 0 || pendingImmediates > 0;
}

/** Wait until no statement is in flight and no immediate is queued (microtasks drain between turns). */
export async function quiesce(maxTurns = 10_000_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    await nextTurn();
    if (!busy()) return;
  }
}

/** Fire every timer due up to `until` in (time, insertion) order, quiescing after each; then stop at `until`. */
export async function runClockUntil(clock: VirtualClock, until: number): Promise<void> {
  await quiesce();
  for (;;) {
    const at = clock.nextAt();
    if (at === undefined || at > until) break;
    clock.step();
    await quiesce();
  }
  if (clock.now() < until) await clock.advance(until - clock.now());
}
