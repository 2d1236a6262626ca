/**
 * The work port: how the runtime tells a clock what it has set off and not finished — actor messages
 * queued or running, group commits scheduled or in flight, database connections held. A virtual clock
 * may move on only when its work is idle, or virtual time runs ahead of the work it set off and a
 * simulation is no longer repeatable. Real deployments pass no port and count nothing.
 */
export interface WorkPort {
  /** One piece of work started (a message dispatched, a flush scheduled, a connection requested). */
  begin(): void;
  /** That piece of work finished (exactly once per begin). */
  end(): void;
}

/** Counts work begun and not ended. */
export class WorkCounter implements WorkPort {
  private open = 0;

  begin(): void {
    this.open++;
  }

  end(): void {
    this.open--;
  }

  /** Work begun and not yet ended. */
  pending(): number {
    return this.open;
  }

  idle(): boolean {
    return this.open <= 0;
  }
}
