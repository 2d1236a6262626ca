/**
 * Quiescence: the virtual clock may only move on once everything a timer set off has finished —
 * actor messages, group-commit flushes and database statements. The runtime reports that work on the
 * clock's work port (runtime/clock/work.ts: service actors count each message from dispatch to the end
 * of its handler, the group-commit writer each scheduled flush, the database layer each connection
 * held). VirtualClock.advance() waits a fixed five event-loop turns, which a database commit can
 * outlast; then virtual time runs ahead of the work and a run is no longer repeatable. `runClockUntil`
 * fires timers one by one and waits for the work port to be idle in between, looking at it at the end
 * of each event-loop turn (after that turn's actor messages), so a chain of n actor hops costs n turns.
 */
import type { VirtualClock } from '../runtime/clock/index.ts';

/** At most this many timers of one instant fire before the work they set off settles. */
const SAME_INSTANT_BATCH = 1000;

/** Microtask ticks given to the work already queued before each event-loop turn of `quiesce`. */
const MICROTASK_YIELDS = 4;

const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Wait until the clock's work port is idle (microtasks drain between turns). */
export async function quiesce(clock: VirtualClock, maxTurns = 10_000_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    // Let the microtasks queued so far run first (the hub's deliveries, handlers telling actors), so
    // that this turn's look at the work port comes after the actor messages they dispatched in the
    // same turn instead of before them (which cost a turn more per timer).
    for (let k = 0; k < MICROTASK_YIELDS; k++) await undefined;
    await nextTurn();
    if (clock.work.idle()) return;
  }
  throw new Error(`the simulation did not quiesce after ${maxTurns} event-loop turns (${clock.work.pending()} pieces of work open)`);
}

/** Fire every timer due up to `until` in (time, insertion) order, quiescing after each; then stop at `until`. */
export async function runClockUntil(clock: VirtualClock, until: number): Promise<void> {
  await quiesce(clock);
  for (;;) {
    const at = clock.nextAt();
    if (at === undefined || at > until) break;
    // Timers due at the same instant fire together, then everything they set off settles once.
    clock.step();
    for (let n = 1; n < SAME_INSTANT_BATCH && clock.nextAt() === at; n++) clock.step();
    await quiesce(clock);
  }
  if (clock.now() < until) await clock.advance(until - clock.now());
}
