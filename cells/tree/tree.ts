/**
 * A whole cell tree in one process: for every cell of a topology plan its own broker (an embedded aedes
 * on a TCP port, or an in-memory hub for simulation), its own database, its actor tree; each child
 * linked to its parent's broker. Embedded brokers are closed as in multi-process mode: a password per
 * principal derived from the deployment secret, client ids bound to principals, per-principal ACLs. Returns the API cell and a ComputeAPI over it.
 */
import { startActorSystem, stopActor, type ActorSystem } from '../../runtime/actor/index.ts';
import { MemoryBus, MemoryHub, MqttBus, startBroker, type Broker, type Bus } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import type { DbConfig } from '../../runtime/db/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import type { TopologyPlan, PlanCell, PlanHost } from '../../topology/plan-types.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import type { AggregateWithHosts } from '../../actors/conductor/messages.ts';
import { brokerGuards, brokerPassword, passwordVerifier, replySenders, usernameOf, type Principal } from '../security/index.ts';
import { cellPrefix } from '../topics.ts';
import type { ApiCell, InstanceMappings } from './api-cell.ts';
import { startCell, type RunningCell } from './start-cell.ts';
import type { CellObservability } from '../observe/observability.ts';
import { flavorOfRecord } from '../../actors/objects/index.ts';

export type TreeTransport =
  | { kind: 'mqtt' }
  | {
      kind: 'memory';
      /** The in-memory broker of a cell (default a plain MemoryHub). */
      hubFor?: (cell: PlanCell) => MemoryHub;
      /** Link delay of a message published on `cell`'s broker. */
      delay?: (cell: PlanCell, from: string, topic: string) => number;
      /** Skip schema validation on receipt: every client is this process's code (the simulator). */
      trusted?: boolean;
    };

export interface TreeOptions {
  plan: TopologyPlan;
  clock: Clock;
  rng: Rng;
  log: Logger;
  transport?: TreeTransport;
  /** Override each cell's database (tests: ':memory:' or a temp dir). */
  dbFile?: (cell: PlanCell) => string;
  /** `:memory:` databases from `dbFile` run no statement (the simulator's `database: discard`). */
  discardDb?: boolean;
  /** Brokers on ports chosen by the system instead of the plan's. */
  ephemeralPorts?: boolean;
  driverFor?: (h: PlanHost) => ComputeDriver;
  /**
   * The deployment secret broker passwords derive from (secrets.json's broker_secret, as `cell run`
   * uses). Every embedded broker refuses anonymous clients, binds client ids to principals and applies
   * the per-principal ACLs of multi-process mode; without a secret one is drawn from `rng`.
   */
  brokerSecret?: string;
  /** Metrics and health checks of every cell (absent: nothing is measured). */
  observe?: CellObservability;
  /**
   * Start only these cells here (default all); the others run elsewhere, e.g. as `novacell cell run`
   * processes of `up --processes`, and link to these cells' brokers on the plan's ports.
   */
  only?: (cell: PlanCell) => boolean;
  /** The API database's instance mappings (ApiStore.instances) for the API cell to keep (see ApiCellOptions). */
  instanceMappings?: InstanceMappings;
}

export type { RunningCell };

export function planFlavors(plan: TopologyPlan): FlavorSpec[] {
  return plan.flavors.map((f) => flavorOfRecord({ ...f, extraSpecs: f.extra_specs }));
}

/**
 * The topology's aggregates plus one per availability zone named on host groups (Nova keeps zones as
 * aggregate metadata), as the API cell pushes them to the cells' schedulers.
 */
export function planAggregates(plan: TopologyPlan): AggregateWithHosts[] {
  const defaultZone = plan.cells[0]?.nova.DEFAULT.default_availability_zone ?? 'nova';
  const all: AggregateWithHosts[] = plan.aggregates.map((a) => ({
    id: a.id, name: a.name, availabilityZone: a.availability_zone, metadata: a.metadata, hosts: a.hosts,
  }));
  const zoned = new Set(plan.aggregates.filter((a) => a.availability_zone).flatMap((a) => a.hosts));
  const byZone = new Map<string, string[]>();
  for (const h of plan.hosts) {
    if (h.availability_zone === defaultZone || zoned.has(h.name)) continue;
    const list = byZone.get(h.availability_zone) ?? [];
    list.push(h.name);
    byZone.set(h.availability_zone, list);
  }
  let id = all.reduce((m, a) => Math.max(m, a.id), 0);
  for (const [zone, hosts] of byZone) {
    all.push({ id: ++id, name: `az-${zone}`, availabilityZone: zone, metadata: { availability_zone: zone }, hosts });
  }
  return all;
}

export class CellTree {
  private constructor(
    readonly api: ComputeAPI,
    readonly apiCell: ApiCell,
    readonly cells: Map<string, RunningCell>,
    private readonly system: ActorSystem,
  ) {}

  static async start(o: TreeOptions): Promise<CellTree> {
    const transport = o.transport ?? { kind: 'mqtt' };
    const system = startActorSystem();
    const cells = new Map<string, RunningCell>();

    const secret = o.brokerSecret ?? o.rng.stream('broker-secret').uuid4();
    const here = o.plan.cells.filter((c) => o.only?.(c) ?? true);
    // Brokers first, so every link has somewhere to connect.
    for (const c of here) {
      const rc: RunningCell = { plan: c, buses: [] };
      if (transport.kind === 'mqtt') {
        const port = o.ephemeralPorts || c.broker.kind !== 'embedded' ? 0 : c.broker.port;
        const guards = brokerGuards({ path: c.path, childPaths: c.childPaths, hostNames: c.hostNames }, passwordVerifier(secret, c.path));
        rc.broker = await startBroker({ port, ...guards });
      } else {
        rc.hub = transport.hubFor?.(c) ?? new MemoryHub();
      }
      cells.set(c.path, rc);
    }
    // `as` is the principal the client logs in as: the cell's own services, or a child's link.
    const connect = async (rc: RunningCell, id: string, as: Principal, will?: { topic: string; type: string; body: unknown }): Promise<Bus> => {
      const username = usernameOf(as);
      const login = { username, password: brokerPassword(secret, rc.plan.path, username) };
      const common = { clientId: id, clock: o.clock, rng: o.rng.stream(`bus:${id}`), topicPrefix: cellPrefix(rc.plan.path), will, replySender: replySenders(rc.plan.path) };
      const bus = rc.hub
        ? new MemoryBus({
            ...common, hub: rc.hub, trusted: transport.kind === 'memory' && transport.trusted === true,
            delay: transport.kind === 'memory' && transport.delay ? (from, topic) => transport.delay!(rc.plan, from, topic) : undefined,
          })
        : await MqttBus.connect({ ...common, ...login, url: rc.broker!.url });
      return bus;
    };

    let apiCell: ApiCell | undefined;
    // Parents before children (the plan's order): a parent listens before its children say hello.
    for (const c of here) {
      const rc = cells.get(c.path)!;
      const parent = c.parentPath ? cells.get(c.parentPath)! : undefined;
      const started = await startCell({
        plan: o.plan, cell: c, clock: o.clock, rng: o.rng, log: o.log.child({ cell: c.path }), system,
        connectOwn: (id) => connect(rc, id, { kind: 'cell', cell: c.path }),
        connectParent: parent ? (id, will) => connect(parent, id, { kind: 'link', child: c.path }, will) : undefined,
        db: o.dbFile ? dbOf(o.dbFile(c), o.discardDb) : undefined,
        driverFor: o.driverFor,
        instruments: o.observe?.instrumentsFor(c.path),
        instanceMappings: o.instanceMappings,
      });
      Object.assign(rc, started.running);
      o.observe?.watch(rc, o.clock, started.apiCell);
      apiCell ??= started.apiCell;
    }
    if (!apiCell) throw new Error('CellTree: the API cell must run in this process');
    const tree = new CellTree(new ComputeAPI(apiCell, o.clock, o.rng.stream('api')), apiCell, cells, system);
    // Cells of other processes that are not linked yet get the global data when they say hello.
    const pushed = apiCell.setFlavors(planFlavors(o.plan)).then(() => apiCell.syncAggregates(planAggregates(o.plan)));
    if (here.length === o.plan.cells.length) await pushed;
    else void pushed;
    return tree;
  }

  /** The capacity the API cell holds for the whole tree. */
  capacity() {
    return this.apiCell.capacity();
  }

  leaves(): RunningCell[] {
    return [...this.cells.values()].filter((c) => c.leaf);
  }

  async stop(): Promise<void> {
    const list = [...this.cells.values()].reverse();
    for (const rc of list) {
      rc.compute?.stop();
      rc.node?.stop();
      rc.role?.stop();
    }
    for (const rc of list) {
      for (const b of rc.buses) await b.close();
      await rc.parentBus?.close();
      await rc.leaf?.stop();
      await rc.writer?.close();
      await rc.db?.destroy();
    }
    await this.apiCell.stop();
    stopActor(this.system);
    for (const rc of list) await rc.broker?.close();
  }
}

function dbOf(file: string, discard: boolean | undefined): DbConfig {
  return file === ':memory:' && discard ? { file, discard } : { file };
}
