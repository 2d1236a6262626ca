import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { UpBatch } from '../../../../cells/tree/up-batch.ts';
import { CapacityReporter } from '../../../../cells/capacity/reporter.ts';
import { emptyCapacity, type Capacity } from '../../../../cells/capacity/capacity.ts';
import type { CapacityReportBody } from '../../../../cells/messages.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('UpBatch', () => {
  it('with interval 0 runs each flush at the end of the turn, without a timer', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 0);
    const ran: string[] = [];
    b.schedule(() => ran.push('a'));
    b.schedule(() => ran.push('b'));
    expect(ran).toEqual([]);
    expect(clock.nextAt()).toBeUndefined();
    await turn();
    expect(ran).toEqual(['a', 'b']);
  });

  it('with an interval sends the first change after a quiet interval at once, and what follows within the interval on one timer, in order', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    const ran: string[] = [];
    b.schedule(() => ran.push('first'));
    expect(clock.nextAt()).toBeUndefined();
    await turn();
    expect(ran).toEqual(['first']);
    // In the same instant as that send (a build's next change made at once): at the end of its turn too.
    b.schedule(() => ran.push('same instant'));
    expect(clock.nextAt()).toBeUndefined();
    await turn();
    expect(ran).toEqual(['first', 'same instant']);
    // Within the interval after that send: gathered until it ends.
    await clock.advance(200);
    b.schedule(() => ran.push('updates'));
    await clock.advance(400);
    b.schedule(() => ran.push('capacity'));
    await clock.advance(399);
    expect(ran).toEqual(['first', 'same instant']);
    await clock.advance(1);
    expect(ran).toEqual(['first', 'same instant', 'updates', 'capacity']);
    // Asked again a moment after that send: waits for the rest of the interval.
    await clock.advance(1);
    b.schedule(() => ran.push('busy'));
    expect(clock.nextAt()).toBe(clock.now() + 999);
    await clock.advance(999);
    expect(ran).toHaveLength(5);
    // Quiet for an interval: the next change leaves at the end of its turn again.
    await clock.advance(5000);
    b.schedule(() => ran.push('later'));
    expect(clock.nextAt()).toBeUndefined();
    await turn();
    expect(ran.at(-1)).toBe('later');
  });

  it('sends what is gathered at once when asked to (an answer is due), and times the next interval from then', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    const ran: string[] = [];
    b.schedule(() => ran.push('first'));
    b.flushNow(); // due at the end of the turn: sent now
    expect(ran).toEqual(['first']);
    await clock.advance(100);
    b.schedule(() => ran.push('held'));
    b.scheduleLast(() => ran.push('capacity'));
    b.flushNow(); // held for the interval: sent now, the timer dropped
    expect(ran).toEqual(['first', 'held', 'capacity']);
    expect(clock.pending()).toBe(0);
    b.flushNow(); // nothing gathered: nothing runs
    await turn();
    expect(ran).toHaveLength(3);
    await clock.advance(10);
    b.schedule(() => ran.push('next'));
    expect(clock.nextAt()).toBe(clock.now() + 990);
  });

  it('runs what was asked for with scheduleLast after the batch\'s other flushes, whenever it was asked', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    const ran: string[] = [];
    b.schedule(() => ran.push('first'));
    await turn();
    // A capacity delta asked for before the instance updates of the same batch still leaves after them.
    b.scheduleLast(() => ran.push('capacity'));
    b.schedule(() => ran.push('updates'));
    await clock.advance(1000);
    expect(ran).toEqual(['first', 'updates', 'capacity']);
  });

  it('drops what was gathered when the cell stops, due at the end of the turn or on the timer', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    const ran: string[] = [];
    b.schedule(() => ran.push('x'));
    b.stop();
    await turn();
    b.schedule(() => ran.push('y'));
    await turn();
    b.schedule(() => ran.push('z'));
    b.stop();
    await clock.advance(2000);
    // x (due at the end of its turn) and z (on the timer) were dropped; y ran between the stops.
    expect(ran).toEqual(['y']);
  });

  it('makes a capacity reporter send one delta per interval however many changes it saw', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    let cap: Capacity = { ...emptyCapacity(), vcpusFree: 100, memoryMbFree: 1000 };
    const sent: CapacityReportBody[] = [];
    const r = new CapacityReporter('c1', () => cap, async (body) => void sent.push(body), clock, 3_600_000, b.schedule);
    await r.full();
    for (let i = 1; i <= 5; i++) {
      cap = { ...cap, vcpusFree: 100 - i, memoryMbFree: 1000 - 10 * i };
      r.changed();
      await clock.advance(100);
    }
    // The first change leaves at once (its parent heard nothing for an interval); the four after it, as one.
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ from: 'c1', seq: 2, full: false, capacity: { vcpusFree: 99, memoryMbFree: 990 } });
    await clock.advance(500);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ from: 'c1', seq: 3, full: false, capacity: { vcpusFree: 95, memoryMbFree: 950 } });
  });
});
