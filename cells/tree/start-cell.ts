/**
 * Start one cell of a topology: its database, its actor tree, its role (API cell, intermediate cell or
 * leaf with compute hosts) and its link to the parent's broker. The in-process tree calls this for
 * every cell; `novacell cell run` calls it for one cell in its own process.
 */
import { dirname, join, resolve } from 'node:path';
import { spawnGroup, type ActorSystem } from '../../runtime/actor/index.ts';
import type { Broker, Bus, MemoryHub } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import { openDb, WriteBehind, type Db, type DbConfig } from '../../runtime/db/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import type { TopologyPlan, PlanCell, PlanHost } from '../../topology/plan-types.ts';
import { defaultDriver } from '../leaf/default-driver.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';
import type { LeafServices } from '../leaf/leaf-services.ts';
import type { ComputeHosts } from '../leaf/compute-hosts.ts';
import { startLeaf } from '../leaf/start-leaf.ts';
import { nodeUuidFor } from '../leaf/host-uuid.ts';
import { goneTopic } from '../topics.ts';
import { ApiCell, type InstanceMappings } from './api-cell.ts';
import { CellNode } from './cell-node.ts';
import { ParentRole } from './parent-role.ts';
import { treeMigrations, treeTables } from './tree-db.ts';
import { HandbackStore } from './handbacks.ts';
import type { CellInstruments } from '../observe/cell-metrics.ts';

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

export type Will = { topic: string; type: string; body: unknown };

export interface StartCellOptions {
  plan: TopologyPlan;
  cell: PlanCell;
  clock: Clock;
  rng: Rng;
  log: Logger;
  system: ActorSystem;
  /** A new client on this cell's own broker. */
  connectOwn(id: string): Promise<Bus>;
  /** A new client on the parent's broker (absent for the API cell). */
  connectParent?(id: string, will: Will): Promise<Bus>;
  /** Override the plan's database. */
  db?: DbConfig;
  /** Run the leaf's compute hosts in this process (default) or leave them to `novacell compute run`. */
  computeInProcess?: boolean;
  driverFor?: (h: PlanHost) => ComputeDriver;
  /** Metrics hooks for this cell's database and scheduler (absent: nothing is measured). */
  instruments?: CellInstruments;
  /** For the API cell: the API database's instance mappings it keeps (ApiStore.instances). */
  instanceMappings?: InstanceMappings;
}

export { defaultDriver };

const subtrees = new WeakMap<TopologyPlan, Map<string, string[]>>();

/** The compute hosts below each cell of a plan (its own and its descendants'), computed once per plan. */
export function subtreeHosts(plan: TopologyPlan): Map<string, string[]> {
  let index = subtrees.get(plan);
  if (index) return index;
  index = new Map();
  for (const h of plan.hosts) {
    // Cell paths are `api!region!site!cell`: the host belongs to every prefix of its cell's path.
    let path = h.cell;
    for (;;) {
      const list = index.get(path);
      if (list) list.push(h.name);
      else index.set(path, [h.name]);
      const cut = path.lastIndexOf('!');
      if (cut < 0) break;
      path = path.slice(0, cut);
    }
  }
  subtrees.set(plan, index);
  return index;
}

export async function startCell(o: StartCellOptions): Promise<{ running: RunningCell; apiCell?: ApiCell }> {
  const c = o.cell;
  const rc: RunningCell = { plan: c, buses: [] };
  const log = o.log;
  const root = spawnGroup(o.system, `cell-${c.path.replace(/!/g, '.')}`);
  const dbCfg: DbConfig = o.db ?? (c.database.kind === 'postgres' ? { url: c.database.url } : { file: c.database.file });
  const subtree = subtreeHosts(o.plan);
  const childInfo = c.childPaths.map((p) => {
    const pc = o.plan.cells.find((x) => x.path === p)!;
    return { path: p, isLeaf: pc.isLeaf, weightOffset: pc.weightOffset, hosts: subtree.get(p) ?? [] };
  });
  const own = await o.connectOwn(`${c.path}:cell`);
  rc.buses.push(own);
  if (!o.connectParent) {
    const apiCell = await ApiCell.start({
      path: c.path, bus: own, db: dbCfg, children: childInfo, config: c.nova, clock: o.clock, log, timeCommit: o.instruments?.timeCommit,
      mappings: o.instanceMappings,
    });
    return { running: rc, apiCell };
  }
  rc.parentBus = await o.connectParent(`link:${c.path}`, { topic: goneTopic(c.parentPath!, c.path), type: 'child_gone', body: { cell: c.path } });
  if (c.isLeaf) {
    const condBus = await o.connectOwn(`${c.path}:conductor`);
    rc.buses.push(condBus);
    const computeBus = (o.computeInProcess ?? true) ? await o.connectOwn(`${c.path}:compute`) : undefined;
    if (computeBus) rc.buses.push(computeBus);
    // Fake guests are kept as durably as the cell's database: beside its file, or not at all beside ':memory:'.
    const fakeStateDir = o.db?.file === ':memory:' ? null : o.db?.file ? join(dirname(resolve(o.db.file)), 'fake-hypervisor') : undefined;
    const driverFor = o.driverFor ?? ((h: PlanHost) => defaultDriver(o.clock, o.rng, h, { dataDir: o.plan.dataDir, log, fakeStateDir }));
    // The leaf's conductor hands unplaceable builds to the cell's node, which links it to its parent.
    let leafNode!: CellNode;
    const leaf = await startLeaf({
      cell: c.path, parent: root, bus: condBus, db: dbCfg, clock: o.clock, rng: o.rng, config: c.nova, log, instruments: o.instruments,
      handBack: (brs, reason) => leafNode.handBack(brs, reason),
      computeBus,
      hosts: () => o.plan.hosts.filter((h) => h.cell === c.path).map((h) => ({ host: h.name, nodeUuid: nodeUuidFor(c.path, h.name), driver: driverFor(h) })),
      beforeReplay: async (services) => {
        const leafHandbacks = new HandbackStore(services.ctx.writer);
        await leafHandbacks.load(services.ctx.db);
        rc.node = leafNode = new CellNode({ path: c.path, parentPath: c.parentPath!, parentBus: rc.parentBus!, config: c.nova, clock: o.clock, log, leaf: services, handbacks: leafHandbacks });
        await leafNode.start();
      },
    });
    rc.leaf = leaf.leaf;
    rc.compute = leaf.compute;
    return { running: rc };
  }
  rc.db = await openDb(dbCfg, treeMigrations, { work: o.clock.work });
  rc.writer = new WriteBehind(rc.db, treeTables, (err) => log.error({ err }, 'cell database write failed'), o.instruments?.timeCommit);
  let node!: CellNode;
  const handbacks = new HandbackStore(rc.writer);
  await handbacks.load(rc.db);
  rc.role = new ParentRole({
    self: c.path, bus: own, children: childInfo, config: c.nova, clock: o.clock, writer: rc.writer, db: rc.db, log,
    onInstanceUpdates: (u) => node.forwardUpdates(u),
    onExhausted: (b, reason) => node.handBackUp(b, reason),
    onCapacityChanged: (confirm) => node.capacityChanged(confirm),
    globalData: () => node.lastGlobal(),
    handbacks,
  });
  node = new CellNode({ path: c.path, parentPath: c.parentPath!, parentBus: rc.parentBus, config: c.nova, clock: o.clock, log, parent: rc.role, handbacks });
  rc.node = node;
  await rc.role.start();
  await node.start();
  return { running: rc };
}
