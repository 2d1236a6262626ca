/** RealClock: wall time and Node timers. The one place in the tree allowed to touch them. */
import type { Clock, TimerHandle } from './clock.ts';

const MAX_NODE_DELAY = 2 ** 31 - 1;

export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.arm(id, fn, ms);
    return { id };
  }

  /** Node fires a delay past 2^31-1 ms after 1 ms; re-arm in steps so long timers mean what they say. */
  private arm(id: number, fn: () => void, ms: number): void {
    const step = Math.min(ms, MAX_NODE_DELAY);
    const t = setTimeout(() => {
      if (ms > MAX_NODE_DELAY) return this.arm(id, fn, ms - MAX_NODE_DELAY);
      this.timers.delete(id);
      fn();
    }, step);
    t.unref?.();
    this.timers.set(id, t);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const t = setInterval(fn, ms);
    t.unref?.();
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref?.();
    });
  }
}
