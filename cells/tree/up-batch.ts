/**
 * When a cell's messages to its parent leave: what a cell sends up (instance updates, capacity deltas)
 * is gathered and sent at most once per interval of the cell's clock (`[cells] update_batch_interval`,
 * 0.05 s by default), so a middle cell with many busy children sends one message of each kind per
 * interval instead of one per child message; with 0, at the end of the event-loop turn that made it.
 * The interval only holds back what comes soon after a send: the first change after a quiet interval
 * leaves at the end of its turn, and so does one in the same instant of the clock as the last send (a
 * build's next change made at once), so an idle cell's parent hears at once and only a busy cell's
 * updates wait; `flushNow` sends what is held when an answer to the parent must not overtake it. Flushes
 * run in the order they were first asked for, those asked for with `scheduleLast` (a capacity delta,
 * which must follow the updates it reflects) after the others.
 */
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';

export type Schedule = (flush: () => void) => void;

export class UpBatch {
  private queued: Array<() => void> = [];
  private queuedLast: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  /** A run is due at the end of this turn (the leading edge). */
  private due = false;
  /** When the last batch left (clock ms); undefined before the first. */
  private lastRun: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Run `flush` when the batch leaves (each caller asks once per batch: it keeps its own pending flag). */
  readonly schedule: Schedule = (flush) => this.add(flush, this.queued);

  /** As `schedule`, but after the batch's other flushes. */
  readonly scheduleLast: Schedule = (flush) => this.add(flush, this.queuedLast);

  private add(flush: () => void, queue: Array<() => void>): void {
    if (this.intervalMs <= 0) {
      queueMicrotask(flush);
      return;
    }
    queue.push(flush);
    if (this.timer !== undefined || this.due) return;
    // Counted from the instant the last batch left; more may leave in that same instant.
    const now = this.clock.now();
    const wait = this.lastRun === undefined || this.lastRun === now ? 0 : this.lastRun + this.intervalMs - now;
    if (wait > 0) {
      this.timer = this.clock.setTimeout(() => this.run(), wait);
      return;
    }
    this.due = true;
    queueMicrotask(() => {
      if (this.due) this.run();
    });
  }

  /** Send what is gathered now, not at the end of the interval (an answer must not overtake it). */
  flushNow(): void {
    if (this.timer === undefined && !this.due) return;
    this.clock.clearTimer(this.timer);
    this.run();
  }

  /** Drop the timer (the cell stops); what was gathered is not sent. */
  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.due = false;
    this.queued = [];
    this.queuedLast = [];
  }

  private run(): void {
    this.timer = undefined;
    this.due = false;
    this.lastRun = this.clock.now();
    const flushes = [...this.queued, ...this.queuedLast];
    this.queued = [];
    this.queuedLast = [];
    for (const f of flushes) f();
  }
}
