/**
 * VirtualClock: time that moves only when told to. Timers fire in (time, insertion) order, so a run is
 * deterministic. `advance()` moves time and lets awaited work settle between timer firings.
 */
import type { Clock, TimerHandle } from './clock.ts';
import { WorkCounter } from './work.ts';

/** A scheduled timer; it is also the handle given out (its `id` is what TimerHandle shows). */
interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
  every: number | undefined;
  /** Still to fire (an interval until cleared); false once fired or cleared. */
  live: boolean;
  clock: VirtualClock;
}

const NOTHING = (): void => {};

export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private readonly heap: Timer[] = [];
  /** Timers still to fire (a cleared one may still sit in the heap until it comes up). */
  private liveCount = 0;
  /** Work the runtime has set off and not finished (simulator/quiesce.ts waits for it between timers). */
  readonly work = new WorkCounter();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, delayOf(ms, 0));
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const every = delayOf(ms, 1);
    return this.add(fn, every, every);
  }

  clearTimer(handle: TimerHandle | undefined): void {
    const t = handle as Timer | undefined;
    if (t && t.clock === this && t.live) {
      t.live = false;
      t.fn = NOTHING;
      this.liveCount--;
    }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Number of timers still scheduled. */
  pending(): number {
    return this.liveCount;
  }

  /** Time of the next scheduled timer, or undefined. */
  nextAt(): number | undefined {
    this.dropDead();
    return this.heap[0]?.at;
  }

  /**
   * Fire the single next timer (moving time to it). Returns false when none is scheduled.
   * Synchronous: callers that need awaited work to settle use `advance`.
   */
  step(): boolean {
    this.dropDead();
    const t = this.pop();
    if (!t) return false;
    this.current = Math.max(this.current, t.at);
    if (t.every !== undefined) {
      t.at += t.every;
      t.seq = this.seq++;
      this.push(t);
      t.fn();
    } else {
      t.live = false;
      this.liveCount--;
      const fn = t.fn;
      t.fn = NOTHING; // a handle kept after its timer fired does not keep the callback alive
      fn();
    }
    return true;
  }

  /** Move time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (;;) {
      const at = this.nextAt();
      if (at === undefined || at > until) break;
      this.step();
      await settle();
    }
    this.current = until;
  }

  /** Fire timers until none is due within `limitMs` of virtual time or `maxSteps` is reached. */
  async runUntilIdle(limitMs = 3_600_000, maxSteps = 1_000_000): Promise<void> {
    const until = this.current + limitMs;
    await settle();
    for (let i = 0; i < maxSteps; i++) {
      const at = this.nextAt();
      if (at === undefined || at > until) return;
      this.step();
      await settle();
    }
  }

  private add(fn: () => void, delay: number, every?: number): TimerHandle {
    const t: Timer = { id: this.nextId++, at: this.current + delay, seq: this.seq++, fn, every, live: true, clock: this };
    this.liveCount++;
    this.push(t);
    return t;
  }

  private dropDead(): void {
    while (this.heap.length > 0 && !this.heap[0]!.live) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      const x = h[i]!;
      h[i] = h[p]!;
      h[p] = x;
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        const x = h[i]!;
        h[i] = h[m]!;
        h[m] = x;
        i = m;
      }
    }
    return top;
  }
}

/**
 * A NaN delay (say, an unset option) would make `now()` NaN for good; like Node, treat it as the minimum.
 * Infinity is kept: such a timer never fires.
 */
function delayOf(ms: number, min: number): number {
  return Number.isNaN(ms) ? min : Math.max(min, ms);
}

/** Let queued microtasks and immediate callbacks run (several rounds, for chained awaits). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
