/** Quiescence between timers: the clock moves on only once the work a timer set off is done, in few event-loop turns. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../runtime/clock/index.ts';
import { runClockUntil } from '../../../simulator/quiesce.ts';

/** Work as an actor does it: counted on the work port from dispatch (a microtask after the timer) to the end of its last hop. */
function chain(clock: VirtualClock, hops: number, log: string[], name: string): void {
  queueMicrotask(() => {
    clock.work.begin();
    const hop = (left: number): void => {
      setImmediate(() => {
        log.push(`${name}:${left}@${clock.now()}`);
        if (left > 1) hop(left - 1);
        else clock.work.end();
      });
    };
    hop(hops);
  });
}

/** Event-loop turns taken while `p` runs. */
async function turnsOf(p: Promise<void>): Promise<number> {
  let turns = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await p;
  done = true;
  return turns;
}

describe('runClockUntil', () => {
  it('finishes the work each timer set off before the next timer fires', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimeout(() => chain(clock, 3, log, 'a'), 10);
    clock.setTimeout(() => chain(clock, 2, log, 'b'), 20);
    await runClockUntil(clock, 100);
    expect(log).toEqual(['a:3@10', 'a:2@10', 'a:1@10', 'b:2@20', 'b:1@20']);
    expect(clock.now()).toBe(100);
  });

  it('looks at the work port after the turn\'s actor messages: a chain of n hops costs n turns, not n + 1', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    for (let i = 1; i <= 10; i++) clock.setTimeout(() => chain(clock, 4, log, `t${i}`), i);
    const turns = await turnsOf(runClockUntil(clock, 10));
    expect(log).toHaveLength(40);
    // 10 timers × 4 hops; one more turn per timer was the cost of checking before the hop of the turn.
    expect(turns).toBeLessThanOrEqual(10 * 4 + 2);
  });
});
