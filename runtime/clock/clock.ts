/**
 * The Clock port: the only way control-plane code reads time or waits.
 * RealClock wraps the wall clock and Node timers; VirtualClock drives simulations and unit tests.
 */
import type { WorkPort } from './work.ts';

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual or real). */
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Run `fn` every `ms` milliseconds until cleared. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
  /** Resolve after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
  /** Where the runtime reports work in flight, for a clock that waits for it (virtual time); absent: none. */
  readonly work?: WorkPort;
}

/** ISO-8601 timestamp as Nova prints it (no milliseconds, trailing Z). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
