/**
 * The FilterScheduler with each select_destinations call timed for novacell_scheduler_decision_seconds.
 * A subclass, so the scheduler itself stays free of metrics and the simulator keeps the plain one.
 */
import type { NovaConfig } from '../../runtime/config/index.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import { FilterScheduler } from '../../actors/scheduler/filter-scheduler.ts';
import type { CellInstruments } from './cell-metrics.ts';

export class TimedFilterScheduler extends FilterScheduler {
  constructor(config: NovaConfig, rng: RandomStream, private readonly instruments: CellInstruments) {
    super(config, rng);
  }

  override selectDestinations(...args: Parameters<FilterScheduler['selectDestinations']>): ReturnType<FilterScheduler['selectDestinations']> {
    return this.instruments.timeDecision(() => super.selectDestinations(...args));
  }
}
