/**
 * The services of a leaf cell, assembled: the cell database and its group-commit writer, placement,
 * the host manager and filter scheduler, the instance store and build requests, and the conductor's
 * service actor serving the cell's conductor topic. Compute hosts are separate (ComputeHosts), so they
 * can run in this process or in their own.
 */
import type { Ref } from 'nact';
import { spawnService, ask, type ServiceRef } from '../../runtime/actor/index.ts';
import type { Bus } from '../../runtime/bus/index.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import { openDb, WriteBehind, type Db, type DbConfig } from '../../runtime/db/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import { Placement } from '../../actors/placement/index.ts';
import { applyProviderUsage } from '../../actors/conductor/usage.ts';
import { HostManager } from '../../actors/scheduler/host-manager.ts';
import { FilterScheduler } from '../../actors/scheduler/filter-scheduler.ts';
import { ConductorManager } from '../../actors/conductor/conductor-manager.ts';
import { ServiceTracker } from '../../actors/conductor/service-tracker.ts';
import { InstanceStore } from '../../actors/conductor/instance-store.ts';
import { BuildRequests } from '../../actors/conductor/build-requests.ts';
import { cellMigrations, cellTables } from '../../actors/conductor/schema.ts';
import { handbackMigration, handbackTables } from '../tree/handbacks.ts';
import { MigrationStore } from '../../actors/conductor/migration-store.ts';
import type { ConductorContext } from '../../actors/conductor/context.ts';
import { computeTopic, conductorTopic } from '../topics.ts';
import type { CellInstruments } from '../observe/cell-metrics.ts';
import { TimedFilterScheduler } from '../observe/timed-scheduler.ts';
import { serveConductor } from './conductor-endpoint.ts';

/** How often expired console tokens are purged (they are refused from their expiry on anyway). */
const CONSOLE_TOKEN_PURGE_MS = 60_000;

export interface LeafServicesOptions {
  cell: string;
  parent: Ref<unknown>;
  bus: Bus;
  db: DbConfig;
  clock: Clock;
  rng: Rng;
  config: NovaConfig;
  log: Logger;
  /** Metrics hooks (database commits, scheduling decisions); absent: nothing is measured. */
  instruments?: CellInstruments;
  /**
   * In a cell tree: takes the builds this cell cannot place up to the parent (the cell's node,
   * cells/tree/cell-node.ts). Absent (a single cell): they are buried in ERROR.
   */
  handBack?: ConductorContext['handBack'];
}

export class LeafServices {
  private timers: TimerHandle[] = [];

  private constructor(
    readonly ctx: ConductorContext,
    readonly conductor: ServiceRef<ConductorManager>,
    private readonly manager: ConductorManager,
    private readonly clock: Clock,
  ) {}

  static async start(o: LeafServicesOptions): Promise<LeafServices> {
    // The leaf's hand-backs up the tree live beside its builds (cells/tree/handbacks.ts).
    const db: Db = await openDb(o.db, [...cellMigrations, handbackMigration], { work: o.clock.work });
    const log = o.log.child({ service: 'nova-conductor' });
    const writer = new WriteBehind(db, { ...cellTables, ...handbackTables }, (err) => log.error({ err }, 'cell database write failed'), o.instruments?.timeCommit);
    const hostManager = new HostManager(o.config);
    const placement = new Placement(writer, (rp) => applyProviderUsage(hostManager, rp));
    const rng = o.rng.stream(`conductor:${o.cell}`);
    // Built before the context, which asks it whether a host's compute service is up.
    const services = new ServiceTracker({ db, writer, clock: o.clock, rng, config: o.config, log, hostManager, placement });
    const ctx: ConductorContext = {
      cell: o.cell, clock: o.clock, rng, bus: o.bus, db, writer, config: o.config, log,
      schedulerLog: o.log.child({ service: 'nova-scheduler' }),
      placement, hostManager,
      scheduler: o.instruments
        ? new TimedFilterScheduler(o.config, o.rng.stream(`scheduler:${o.cell}`), o.instruments)
        : new FilterScheduler(o.config, o.rng.stream(`scheduler:${o.cell}`)),
      store: new InstanceStore(writer, db, o.clock, o.rng.stream(`store:${o.cell}`)),
      builds: new BuildRequests(writer),
      migrations: new MigrationStore(writer, o.clock, o.rng.stream(`migrations:${o.cell}`)),
      computeTopic: (host) => computeTopic(o.cell, host),
      serviceUp: (host) => services.isUp(host),
      handBack: o.handBack,
    };
    const manager = new ConductorManager(ctx, services);
    await manager.start();
    // The manager's state lives in memory and the database; a crash of the actor keeps the same manager.
    const conductor = spawnService(o.parent, 'conductor', () => manager, {
      policy: 'resume', log, work: o.clock.work,
      pipelined: new Set(['buildInstances', 'buildResult', 'actionResult', 'deleteInstance', 'powerAction', 'consoleOutput', 'getDiagnostics', 'instanceTask', 'getConsole', 'validateConsoleToken', 'instanceActions']),
    });
    await serveConductor(o.bus, o.cell, conductor, ctx, log);
    const svc = new LeafServices(ctx, conductor, manager, o.clock);
    // The conductor and scheduler of the cell report as services too (os-services lists them), with the
    // cell's name as their host.
    const selfReport = () => {
      manager.heartbeat(o.cell, 'nova-conductor');
      manager.heartbeat(o.cell, 'nova-scheduler');
    };
    selfReport();
    svc.timers.push(
      o.clock.setInterval(() => {
        selfReport();
        void ask(conductor, 'checkServices');
      }, o.config.DEFAULT.report_interval * 1000),
      o.clock.setInterval(() => void ask(conductor, 'purgeExpiredConsoleTokens'), CONSOLE_TOKEN_PURGE_MS),
    );
    return svc;
  }

  get conductorTopic(): string {
    return conductorTopic(this.ctx.cell);
  }

  /** Re-send in-flight builds (after a restart, once compute hosts are listening). */
  replayBuilds(): Promise<number> {
    return ask(this.conductor, 'replayBuilds');
  }

  get services() {
    return this.manager.services;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) this.clock.clearTimer(t);
    await this.ctx.writer.close();
    await this.ctx.db.destroy();
  }
}
