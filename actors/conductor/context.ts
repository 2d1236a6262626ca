/**
 * What a conductor works with: its cell's ports (clock, rng, bus, writer), the in-memory services that
 * live beside it in the cell process (placement, host manager, scheduler), and where compute hosts
 * listen. Tasks receive this instead of reaching for globals.
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
  cell: string;
  clock: Clock;
  rng: RandomStream;
  bus: Bus;
  db: Db;
  writer: WriteBehind;
  config: NovaConfig;
  log: Logger;
  /** The scheduler's log (the scheduler runs beside the conductor; its lines say nova-scheduler). */
  schedulerLog: Logger;
  placement: Placement;
  hostManager: HostManager;
  scheduler: FilterScheduler;
  store: InstanceStore;
  builds: BuildRequests;
  /** The cell's Migration records (cold and live migrations, resizes, evacuations). */
  migrations: MigrationStore;
  /** Is the host's nova-compute service up (heartbeats within service_down_time)? Set by the manager. */
  serviceUp(host: string): boolean;
  /**
   * In a cell tree: offered the builds this cell cannot place, before they would be buried in ERROR.
   * Returns true when it took them (they go back up to be tried in a sibling cell).
   */
  handBack?: (builds: BuildRequest[], reason: string) => boolean;
  /** Topic of a compute host's manager. */
  computeTopic(host: string): string;
}
