/**
 * A whole cell tree in one process: for every cell of a topology plan its own broker (an embedded aedes
 * on a TCP port, or an in-memory hub for simulation), its own database, its actor tree; each child
 * linked to its parent's broker. Returns the API cell and a ComputeAPI over it.
 */
import { startActorSystem, spawnGroup, stopActor, type ActorSystem } from '../../runtime/actor/index.ts';
import { MemoryBus, MemoryHub, MqttBus, startBroker, type Broker, type Bus } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import type { TopologyPlan, PlanCell, PlanHost } from '../../topology/plan-types.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import { LeafServices } from '../leaf/leaf-services.ts';
import { ComputeHosts } from '../leaf/compute-hosts.ts';
import { nodeUuidFor } from '../leaf/host-uuid.ts';
import { cellPrefix, upTopic } from '../topics.ts';
import { ApiCell } from './api-cell.ts';
import { CellNode } from './cell-node.ts';
import { ParentRole } from './parent-role.ts';
import { openDb, WriteBehind } from '../../runtime/db/index.ts';
import { treeMigrations, treeTables } from './tree-db.ts';
import type { Db } from '../../runtime/db/index.ts';

export type TreeTransport = { kind: 'mqtt' } | { kind: 'memory'; delay?: (from: string, topic: string) => number };

export interface TreeOptions {
  plan: TopologyPlan;
  clock: Clock;
  rng: Rng;
  log: Logger;
  transport?: TreeTransport;
  /** Override each cell's database (tests: ':memory:' or a temp dir). */
  dbFile?: (cell: PlanCell) => string;
  /** Brokers on ports chosen by the system instead of the plan's. */
  ephemeralPorts?: boolean;
  driverFor?: (h: PlanHost) => ComputeDriver;
}

export interface RunningCell {
  plan: PlanCell;
  broker?: Broker;
  hub?: MemoryHub;
  buses: Bus[];
  parentBus?: Bus;
  leaf?: LeafServices;
  compute?: ComputeHosts;
  node?: CellNode;
  role?: ParentRole;
  db?: Db;
  writer?: WriteBehind;
}

export function planFlavors(plan: TopologyPlan): FlavorSpec[] {
  return plan.flavors.map((f) => ({
    id: f.id, name: f.name, vcpus: f.vcpus, memoryMb: f.ram, rootGb: f.disk, ephemeralGb: f.ephemeral, swapMb: f.swap,
    extraSpecs: f.extra_specs,
  }));
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
    const top = o.plan.cells.find((c) => c.parentPath === null)!;

    // Brokers first, so every link has somewhere to connect.
    for (const c of o.plan.cells) {
      const rc: RunningCell = { plan: c, buses: [] };
      if (transport.kind === 'mqtt') {
        const port = o.ephemeralPorts || c.broker.kind !== 'embedded' ? 0 : c.broker.port;
        rc.broker = await startBroker({ port });
      } else {
        rc.hub = new MemoryHub();
      }
      cells.set(c.path, rc);
    }
    const connect = async (rc: RunningCell, id: string, will?: { topic: string; type: string; body: unknown }): Promise<Bus> => {
      const common = { clientId: id, clock: o.clock, rng: o.rng.stream(`bus:${id}`), topicPrefix: cellPrefix(rc.plan.path), will };
      const bus = rc.hub
        ? new MemoryBus({ ...common, hub: rc.hub, delay: transport.kind === 'memory' ? transport.delay : undefined })
        : await MqttBus.connect({ ...common, url: rc.broker!.url });
      return bus;
    };

    let apiCell: ApiCell | undefined;
    // Parents before children (the plan's order): a parent listens before its children say hello.
    for (const c of o.plan.cells) {
      const rc = cells.get(c.path)!;
      const log = o.log.child({ cell: c.path });
      const root = spawnGroup(system, `cell-${c.path.replace(/!/g, '.')}`);
      const dbFile = o.dbFile?.(c) ?? (c.database.kind === 'sqlite' ? c.database.file : ':memory:');
      const dbCfg = c.database.kind === 'postgres' && !o.dbFile ? { url: c.database.url } : { file: dbFile };
      const childInfo = c.childPaths.map((p) => {
        const pc = o.plan.cells.find((x) => x.path === p)!;
        return { path: p, isLeaf: pc.isLeaf, weightOffset: pc.weightOffset };
      });
      const own = await connect(rc, `${c.path}:cell`);
      rc.buses.push(own);
      if (c === top) {
        apiCell = await ApiCell.start({ path: c.path, bus: own, db: dbCfg, children: childInfo, config: c.nova, clock: o.clock, log });
        continue;
      }
      const parent = cells.get(c.parentPath!)!;
      rc.parentBus = await connect(parent, `link:${c.path}`, { topic: upTopic(c.parentPath!), type: 'child_gone', body: { cell: c.path } });
      if (c.isLeaf) {
        const condBus = await connect(rc, `${c.path}:conductor`);
        const compBus = await connect(rc, `${c.path}:compute`);
        rc.buses.push(condBus, compBus);
        rc.leaf = await LeafServices.start({ cell: c.path, parent: root, bus: condBus, db: dbCfg, clock: o.clock, rng: o.rng, config: c.nova, log });
        rc.node = new CellNode({ path: c.path, parentPath: c.parentPath!, parentBus: rc.parentBus, config: c.nova, clock: o.clock, log, leaf: rc.leaf });
        rc.compute = new ComputeHosts({
          cell: c.path, parent: root, bus: compBus, clock: o.clock, config: c.nova, log: log.child({ service: 'nova-compute' }), subscribe: 'wildcard',
        });
        const driverFor = o.driverFor ?? ((h: PlanHost) => new FakeDriver({
          clock: o.clock, rng: o.rng.stream(`fake-driver:${h.name}`),
          resources: { vcpus: h.vcpus, memoryMb: h.memory_mb, localGb: h.disk_gb, hypervisorType: h.hypervisor_type, cpuArch: h.cpu_arch },
          spawnTimeMs: h.driver_options.spawn_time_ms ?? 0, failureRate: h.driver_options.failure_rate ?? 0,
        }));
        await rc.compute.start(o.plan.hosts.filter((h) => h.cell === c.path).map((h) => ({ host: h.name, nodeUuid: nodeUuidFor(c.path, h.name), driver: driverFor(h) })));
        await rc.node.start();
        await rc.leaf.replayBuilds();
      } else {
        rc.db = await openDb(dbCfg, treeMigrations);
        rc.writer = new WriteBehind(rc.db, treeTables, (err) => log.error({ err }, 'cell database write failed'));
        let node!: CellNode;
        rc.role = new ParentRole({
          self: c.path, bus: own, children: childInfo, config: c.nova, clock: o.clock, writer: rc.writer, db: rc.db, log,
          onInstanceUpdates: (u) => node.forwardUpdates(u),
          onExhausted: (b, reason) => node.handBackUp(b, reason),
          onCapacityChanged: () => node.capacityChanged(),
          globalData: () => node.lastGlobal(),
        });
        node = new CellNode({ path: c.path, parentPath: c.parentPath!, parentBus: rc.parentBus, config: c.nova, clock: o.clock, log, parent: rc.role });
        rc.node = node;
        await rc.role.start();
        await node.start();
      }
    }
    const tree = new CellTree(new ComputeAPI(apiCell!, o.clock, o.rng.stream('api')), apiCell!, cells, system);
    await apiCell!.setFlavors(planFlavors(o.plan));
    await apiCell!.syncAggregates(o.plan.aggregates.map((a) => ({
      id: a.id, name: a.name, availabilityZone: a.availability_zone, metadata: a.metadata, hosts: a.hosts,
    })));
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
