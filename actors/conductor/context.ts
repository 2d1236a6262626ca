/**
 * What a conductor works with: its cell's ports (clock, rng, bus, writer), the in-memory services that
 * live beside it in the cell process (placement, host manager, scheduler), and where compute hosts
 * listen. Tasks receive this instead of reaching for globals. Every port is given when the context is
 * built (cells/leaf/leaf-services.ts); nothing is filled in later.
 */
import type { Bus } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import type { Db, WriteBehind } from '../../runtime/db/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { Placement } from '../placement/index.ts';
import type { HostManager } from '../scheduler/host-manager.ts';
import type { FilterScheduler } from '../scheduler/filter-scheduler.ts';
import type { InstanceStore } from './instance-store.ts';
import type { BuildRequest, BuildRequests } from './build-requests.ts';
import type { MigrationStore } from './migration-store.ts';

export interface ConductorContext {
  readonly cell: string;
  readonly clock: Clock;
  readonly rng: RandomStream;
  readonly bus: Bus;
  readonly db: Db;
  readonly writer: WriteBehind;
  readonly config: NovaConfig;
  readonly log: Logger;
  /** The scheduler's log (the scheduler runs beside the conductor; its lines say nova-scheduler). */
  readonly schedulerLog: Logger;
  readonly placement: Placement;
  readonly hostManager: HostManager;
  readonly scheduler: FilterScheduler;
  readonly store: InstanceStore;
  readonly builds: BuildRequests;
  /** The cell's Migration records (cold and live migrations, resizes, evacuations). */
  readonly migrations: MigrationStore;
  /**
   * Is the host's nova-compute service up (heartbeats within service_down_time)? The cell's
   * ServiceTracker answers; it is built before the context and given here at construction.
   */
  readonly serviceUp: (host: string) => boolean;
  /**
   * In a cell tree: offered the builds this cell cannot place, before they would be buried in ERROR.
   * Returns true when it took them (they go back up to be tried in a sibling cell). Given at
   * construction; absent outside a tree (a single cell buries them).
   */
  readonly handBack?: (builds: BuildRequest[], reason: string) => boolean;
  /** Topic of a compute host's manager. */
  readonly computeTopic: (host: string) => string;
}
