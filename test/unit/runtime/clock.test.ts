/**
 * Clock: VirtualClock fires timers in (time, insertion) order and only when advanced, which is what makes
 * simulations repeatable; RealClock keeps Node's timers honest for long delays.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoSeconds, RealClock, VirtualClock } from '../../../runtime/clock/index.ts';

const START = Date.UTC(2026, 0, 1);

describe('VirtualClock', () => {
  it('starts at 2026-01-01 unless told otherwise, and does not move by itself', async () => {
    const clock = new VirtualClock();
    expect(clock.now()).toBe(START);
    expect(new VirtualClock(1_000).now()).toBe(1_000);
    await new Promise((r) => setImmediate(r));
    expect(clock.now()).toBe(START);
  });

  it('fires timers in time order, and same-time timers in the order they were set', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c@30'), 30);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('b1@20'), 20);
    clock.setTimeout(() => fired.push('b2@20'), 20);
    clock.setTimeout(() => fired.push('z@0'), 0);
    await clock.advance(30);
    expect(fired).toEqual(['z@0', 'a@10', 'b1@20', 'b2@20', 'c@30']);
  });

  it('counts pending timers through clears, self-clears and handles of another clock', async () => {
    const clock = new VirtualClock();
    const other = new VirtualClock();
    const fired: string[] = [];
    const once = clock.setTimeout(() => {
      fired.push('once');
      clock.clearTimer(once); // already fired: nothing more to clear
    }, 10);
    const every = clock.setInterval(() => {
      fired.push('every');
      if (fired.filter((f) => f === 'every').length === 2) clock.clearTimer(every);
    }, 5);
    const cleared = clock.setTimeout(() => fired.push('cleared'), 7);
    const foreign = other.setTimeout(() => fired.push('foreign'), 1);
    expect(foreign.id).toBe(once.id); // ids are per clock: only the handle's own clock may clear it
    clock.clearTimer(foreign);
    expect(other.pending()).toBe(1);
    expect(clock.pending()).toBe(3);
    clock.clearTimer(cleared);
    clock.clearTimer(cleared);
    expect(clock.pending()).toBe(2);
    await clock.advance(100);
    expect(fired).toEqual(['every', 'once', 'every']);
    expect(clock.pending()).toBe(0);
    expect(clock.nextAt()).toBeUndefined();
  });

  it('fires nothing before its time and sets now() to each timer as it fires', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now() - START), 100);
    await clock.advance(99);
    expect(seen).toEqual([]);
    expect(clock.now()).toBe(START + 99);
    await clock.advance(1);
    expect(seen).toEqual([100]);
  });

  it('repeats an interval until cleared, even from inside its own callback', async () => {
    const clock = new VirtualClock();
    const ticks: number[] = [];
    const h = clock.setInterval(() => {
      ticks.push(clock.now() - START);
      if (ticks.length === 3) clock.clearTimer(h);
    }, 10);
    await clock.advance(100);
    expect(ticks).toEqual([10, 20, 30]);
    expect(clock.pending()).toBe(0);
  });

  it('interleaves intervals and timeouts by time, earlier-armed first on a tie', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setInterval(() => fired.push(`tick@${clock.now() - START}`), 10);
    clock.setTimeout(() => fired.push('timeout@20'), 20);
    await clock.advance(30);
    expect(fired).toEqual(['tick@10', 'timeout@20', 'tick@20', 'tick@30']);
  });

  it('a cleared timeout never fires, including one cleared by an earlier timer at the same time', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    const later = clock.setTimeout(() => fired.push('later'), 5);
    clock.setTimeout(() => clock.clearTimer(second), 5);
    const second = clock.setTimeout(() => fired.push('second'), 5);
    clock.clearTimer(later);
    clock.clearTimer(undefined);
    await clock.advance(10);
    expect(fired).toEqual([]);
  });

  it('fires timers that callbacks schedule inside the advanced window, and awaited work settles between', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const chain = async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        await Promise.resolve();
        fired.push(clock.now() - START);
      }
    };
    const done = chain();
    await clock.advance(25);
    expect(fired).toEqual([10, 20]);
    await clock.advance(5);
    await done;
    expect(fired).toEqual([10, 20, 30]);
  });

  it('steps one timer at a time and reports what is next', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    expect(clock.step()).toBe(false);
    expect(clock.nextAt()).toBeUndefined();
    clock.setTimeout(() => fired.push(1), 7);
    clock.setTimeout(() => fired.push(2), 3);
    expect(clock.nextAt()).toBe(START + 3);
    expect(clock.step()).toBe(true);
    expect(fired).toEqual([2]);
    expect(clock.now()).toBe(START + 3);
    expect(clock.pending()).toBe(1);
  });

  it('runUntilIdle drains timers within its limit and leaves later ones', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(2), 1_000), 1_000);
    clock.setTimeout(() => fired.push(9), 10_000);
    await clock.runUntilIdle(5_000);
    expect(fired).toEqual([2]);
    expect(clock.pending()).toBe(1);
  });

  it('treats a NaN delay as zero instead of corrupting time', async () => {
    const clock = new VirtualClock();
    let fired = 0;
    clock.setTimeout(() => fired++, Number.NaN);
    clock.setInterval(() => fired++, Number.NaN);
    await clock.advance(1);
    expect(fired).toBe(2);
    expect(clock.now()).toBe(START + 1);
  });

  it('fires in (time, insertion) order over hours: random timers, intervals, clears and timers set from callbacks, against a list model', () => {
    // A model that keeps every timer in a list and takes the least (time, insertion) each step.
    const clock = new VirtualClock(START + 30_000);
    let x = 12345;
    const rand = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    // Some land exactly on, or just after, a minute boundary; many share a millisecond.
    const nextMinute = () => 60_000 * (1 + rand(2)) - (clock.now() % 60_000) + (rand(2) === 0 ? 0 : rand(1_500));
    const delay = () => (rand(4) === 0 ? nextMinute() : [0, 1, 5, 999, 59_999, 60_000, 61_000, 3_600_000, 86_400_000, Infinity][rand(10)]! + rand(3));
    type Model = { id: number; at: number; seq: number; every?: number; live: boolean };
    const model: Model[] = [];
    const handles = new Map<number, ReturnType<VirtualClock['setTimeout']>>();
    let seq = 0;
    const fired: Array<[number, number]> = [];
    const expected: Array<[number, number]> = [];
    let nextId = 0;
    const arm = () => {
      const id = nextId++;
      const every = rand(8) === 0 ? [60_000, 61_000, 3_600_000, 7_200_000][rand(4)]! + rand(3) : undefined;
      const d = every ?? delay();
      const cb = () => {
        fired.push([id, clock.now()]);
        if (nextId < 6_000 && rand(2) === 0) arm(); // timers set from a callback
        if (rand(4) === 0 && handles.size > 0) clearOne();
      };
      handles.set(id, every === undefined ? clock.setTimeout(cb, d) : clock.setInterval(cb, every));
      model.push({ id, at: clock.now() + d, seq: seq++, every, live: true });
    };
    const clearOne = () => {
      const live = model.filter((m) => m.live);
      if (live.length === 0) return;
      const m = live[rand(live.length)]!;
      m.live = false;
      clock.clearTimer(handles.get(m.id));
    };
    for (let i = 0; i < 300; i++) arm();
    for (let i = 0; i < 40; i++) clearOne();
    for (let steps = 0; steps < 60_000; steps++) {
      const live = model.filter((m) => m.live);
      const next = live.reduce<Model | undefined>((b, m) => (!b || m.at < b.at || (m.at === b.at && m.seq < b.seq) ? m : b), undefined);
      expect(clock.nextAt()).toBe(next?.at);
      if (!next || next.at === Infinity) break;
      expected.push([next.id, next.at]);
      if (next.every === undefined) next.live = false;
      else {
        next.at += next.every;
        next.seq = seq++;
      }
      // The model mirrors what the callback does with the shared random stream, so draw nothing here.
      const before = fired.length;
      expect(clock.step()).toBe(true);
      expect(fired.length).toBe(before + 1);
      // Timers the callback set or cleared are in the model already (arm/clearOne update both).
      expect(fired.at(-1)).toEqual(expected.at(-1));
    }
    expect(fired.length).toBeGreaterThan(1_000);
    expect(clock.now()).toBeGreaterThan(START + 6 * 3_600_000);
    expect(clock.pending()).toBe(model.filter((m) => m.live).length);
  });
});

describe('RealClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads wall time and runs timers through Node', () => {
    vi.useFakeTimers({ now: START });
    const clock = new RealClock();
    expect(clock.now()).toBe(START);
    let fired = 0;
    clock.setTimeout(() => fired++, 100);
    const cleared = clock.setTimeout(() => fired++, 100);
    clock.clearTimer(cleared);
    vi.advanceTimersByTime(100);
    expect(fired).toBe(1);
  });

  it('waits the full delay past 2^31-1 ms instead of firing at once', () => {
    vi.useFakeTimers({ now: START });
    const clock = new RealClock();
    const days30 = 30 * 86_400_000;
    let fired = false;
    clock.setTimeout(() => (fired = true), days30);
    vi.advanceTimersByTime(1_000);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(days30 - 1_001);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
  });
});

describe('isoSeconds', () => {
  it('prints Nova-style timestamps without milliseconds', () => {
    expect(isoSeconds(START + 1_234)).toBe('2026-01-01T00:00:01Z');
  });
});
