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

  it('with an interval runs everything asked for during it once the interval ends, in order, on one timer', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    const ran: string[] = [];
    b.schedule(() => ran.push('updates'));
    await clock.advance(400);
    b.schedule(() => ran.push('capacity'));
    await clock.advance(599);
    expect(ran).toEqual([]);
    await clock.advance(1);
    expect(ran).toEqual(['updates', 'capacity']);
    // The next batch starts with the next request, not on a fixed beat.
    await clock.advance(5000);
    expect(ran).toHaveLength(2);
    b.schedule(() => ran.push('later'));
    expect(clock.nextAt()).toBe(clock.now() + 1000);
  });

  it('drops what was gathered when the cell stops', async () => {
    const clock = new VirtualClock();
    const b = new UpBatch(clock, 1000);
    const ran: string[] = [];
    b.schedule(() => ran.push('x'));
    b.stop();
    await clock.advance(2000);
    expect(ran).toEqual([]);
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
    expect(sent).toHaveLength(1);
    await clock.advance(500);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ from: 'c1', seq: 2, full: false, capacity: { vcpusFree: 95, memoryMbFree: 950 } });
  });
});
