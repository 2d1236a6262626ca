/**
 * Sends a cell's capacity to its parent: a delta (only what changed) with the next sequence number as
 * soon as it changes, coalesced per event-loop turn (or per the `schedule` the cell gives: see
 * cells/tree/up-batch.ts), and a full report every capacity_report_interval or when the parent asks (it
 * saw a gap), which repairs any drift.
 */
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { CapacityReportBody } from '../messages.ts';
import { diffCapacity, emptyCapacity, isEmptyDelta, type Capacity } from './capacity.ts';

export class CapacityReporter {
  private seq = 0;
  private last: Capacity = emptyCapacity();
  private pending = false;
  private confirm = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly from: string,
    private readonly compute: () => Capacity,
    private readonly send: (body: CapacityReportBody) => Promise<void>,
    private readonly clock: Clock,
    private readonly fullIntervalMs: number,
    /** When a delta leaves: by default at the end of this event-loop turn. */
    private readonly schedule: (flush: () => void) => void = queueMicrotask,
  ) {}

  start(): void {
    this.timer = this.clock.setInterval(() => void this.full(), this.fullIntervalMs);
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
  }

  /**
   * Something changed: send a delta once this turn's changes are in. `confirm`: send one even if it is
   * empty, so the parent knows its last report already shows what it has just heard landed.
   */
  changed(confirm = false): void {
    this.confirm ||= confirm;
    if (this.pending) return;
    this.pending = true;
    this.schedule(() => {
      const body = this.takePending();
      if (body) void this.send(body).catch(() => undefined);
    });
  }

  /**
   * The delta waiting to leave, taken now (a cell sends it with the instance updates of the same turn);
   * the scheduled send then finds nothing left. Undefined when nothing is waiting or nothing changed.
   */
  takePending(): CapacityReportBody | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    const always = this.confirm;
    this.confirm = false;
    const next = this.compute();
    // The same object back: nothing it counts changed (cells/tree/children.ts keeps its last total).
    const delta = next === this.last ? {} : diffCapacity(this.last, next);
    if (isEmptyDelta(delta) && !always) return undefined;
    this.last = next;
    return { from: this.from, seq: ++this.seq, full: false, capacity: delta };
  }

  full(): Promise<void> {
    this.last = this.compute();
    return this.send({ from: this.from, seq: ++this.seq, full: true, capacity: this.last }).catch(() => undefined);
  }

  current(): Capacity {
    return this.last;
  }
}
