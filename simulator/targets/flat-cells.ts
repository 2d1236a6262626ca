/**
 * The cells-v2-like baseline: every leaf cell of the topology runs as a complete SingleCell (conductor,
 * filter scheduler, placement, compute actors, FakeDrivers), side by side under one API level that
 * picks the leaf with the tree's own cell scheduler over the leaves' capacity reports (`flat-api.ts`):
 * the cell tree with one level. No intermediate cells, no hand-back to siblings (a leaf that cannot
 * place a build fails it).
 *
 * Each cell has its own in-memory broker (as each has its own aedes broker in a deployment; it also
 * keeps topic routing per cell, not across all cells).
 * Network: messages between the API and a leaf cell take the geographic delay between their sites;
 * messages inside a cell take `network.intra_cell_ms`. A cut link holds what crosses it until it heals
 * (a persistent MQTT session); the API level mutes the leaf (its last will) and sends nothing there.
 */
import { replyTopic } from '../../runtime/bus/index.ts';
import type { DbConfig } from '../../runtime/db/index.ts';
import { InstanceNotFound } from '../../runtime/errors/index.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import type { FlavorSpec, HostState } from '../../actors/scheduler/types.ts';
import { SingleCell } from '../../cells/single-cell.ts';
import { cellPrefix, conductorTopicOfHost } from '../../cells/topics.ts';
import type { PlanCell, PlanFlavor, PlanHost } from '../../topology/plan-types.ts';
import { siteDelayMs } from '../geo.ts';
import type { InstanceStateEvent, SimBuildRequest, SimCounters, SimFault, SimHostUsage, SimTarget, SimTargetContext } from '../target.ts';
import { aggregatesByCell } from './aggregates.ts';
import { FlatApiLevel, type ApiLeaf } from './flat-api.ts';
import { SimFakeDriver } from './sim-driver.ts';
import { SimHub } from './sim-hub.ts';

interface Leaf extends ApiLeaf {
  plan: PlanCell;
  cell: SingleCell;
  /** The API ↔ leaf delay in a healthy network. */
  apiDelay: number;
}

interface HostSlot {
  plan: PlanHost;
  leaf: Leaf;
  state: HostState;
  driver: SimFakeDriver;
}

const ADMIN = { projectId: 'admin', userId: 'admin', isAdmin: true };

export class FlatCells implements SimTarget {
  readonly name = 'flat-cells';
  private live = false;
  private messages = 0;
  private reschedules = 0;
  /** Leaf cell → when its cut link heals (null: never); absent when the link is up. */
  private readonly cut = new Map<string, number | null>();
  private readonly leaves: Leaf[] = [];
  private readonly leafByPath = new Map<string, Leaf>();
  private readonly slots: HostSlot[] = [];
  private readonly slotByHost = new Map<string, HostSlot>();
  private readonly owner = new Map<string, Leaf>();
  private readonly seen = new Map<string, { vm: string; host: string | null }>();
  private readonly listeners: ((e: InstanceStateEvent) => void)[] = [];
  private api!: FlatApiLevel;
  private readonly hubs = new Map<string, SimHub>();

  private constructor(private readonly ctx: SimTargetContext) {}

  static async start(ctx: SimTargetContext): Promise<FlatCells> {
    const t = new FlatCells(ctx);
    await t.startCells();
    t.api = new FlatApiLevel(t.leaves, {
      config: ctx.plan.cells[0]!.nova, flavors: ctx.flavors.map(flavorSpec), clock: ctx.clock, log: ctx.log,
      linkDelay: (path) => t.reportDelay(path),
    });
    await t.api.start();
    t.live = true;
    return t;
  }

  private async startCells(): Promise<void> {
    const { plan, clock, rng, log } = this.ctx;
    const byCell = new Map<string, PlanHost[]>();
    for (const h of plan.hosts) {
      let l = byCell.get(h.cell);
      if (!l) byCell.set(h.cell, (l = []));
      l.push(h);
    }
    const aggregates = aggregatesByCell(plan);
    const apiSite = plan.cells[0]!.site;
    for (const pc of plan.cells) {
      const hosts = byCell.get(pc.path);
      if (!pc.isLeaf || pc.disabled || !hosts?.length) continue;
      const drivers = new Map<string, SimFakeDriver>();
      const planByName = new Map(hosts.map((h) => [h.name, h]));
      const hub = this.ctx.transport === 'memory' ? new SimHub() : undefined;
      if (hub) this.hubs.set(pc.path, hub);
      const apiDelay = siteDelayMs(apiSite, pc.site, this.ctx.network);
      const cell = await SingleCell.start({
        name: pc.path,
        transport: hub ? { kind: 'memory', hub, delay: this.delayFor(pc, apiDelay) } : { kind: 'mqtt' },
        db: memoryOrFile(this.ctx.dbFile?.(pc.path), this.ctx.discardDb),
        hosts: hosts.map((h) => ({ name: h.name, vcpus: h.vcpus, memoryMb: h.memory_mb, diskGb: h.disk_gb })),
        clock, rng, config: pc.nova, log: log.child({ cell: pc.path }),
        driverFor: (spec) => {
          const h = planByName.get(spec.name)!;
          const d = new SimFakeDriver({
            clock, rng: rng.stream(`fake-driver:${pc.path}:${h.name}`),
            resources: { vcpus: h.vcpus, memoryMb: h.memory_mb, localGb: h.disk_gb, hypervisorType: h.hypervisor_type, cpuArch: h.cpu_arch },
            spawnTimeMs: this.ctx.spawnTime(h), failureRate: h.driver_options.failure_rate ?? 0,
          });
          drivers.set(h.name, d);
          return d;
        },
      });
      const leaf: Leaf = {
        plan: pc, cell, apiDelay, path: pc.path, weightOffset: pc.weightOffset, hostNames: hosts.map((h) => h.name), config: pc.nova,
        hosts: () => cell.services.ctx.hostManager.hosts(),
      };
      this.leaves.push(leaf);
      this.leafByPath.set(pc.path, leaf);
      const store = cell.services.ctx.store;
      store.onChange((inst) => {
        this.api?.instanceChanged(pc.path, inst.uuid, placed(inst));
        this.instanceChanged(inst, store.faultOf(inst.uuid)?.message ?? null);
      });
      const aggs = aggregates.get(pc.path);
      if (aggs) await cell.api.syncAggregates(aggs, { ...ADMIN, reqId: `req-sync-${pc.path}` });
      for (const h of hosts) {
        const state = cell.services.ctx.hostManager.nodesOf(h.name)[0];
        if (!state) throw new Error(`simulator: host ${h.name} of cell ${pc.path} did not register`);
        const slot = { plan: h, leaf, state, driver: drivers.get(h.name)! };
        this.slots.push(slot);
        this.slotByHost.set(h.name, slot);
      }
    }
    // Plan order, whatever order cells were started in.
    const order = new Map(plan.hosts.map((h, i) => [h.name, i]));
    this.slots.sort((a, b) => order.get(a.plan.name)! - order.get(b.plan.name)!);
  }

  /** Link delay of a message, by who sent it on which topic; counts every message of the run. */
  private delayFor(pc: PlanCell, apiDelay: number): (from: string, topic: string) => number {
    const apiClient = `${pc.path}:api`;
    const apiReplies = replyTopic(cellPrefix(pc.path), apiClient);
    const intra = this.ctx.network.intra_cell_ms;
    return (from, topic) => {
      if (!this.live) return 0;
      this.messages++;
      if (from !== apiClient && topic !== apiReplies) return intra;
      const heal = this.cut.get(pc.path);
      if (heal === undefined) return apiDelay;
      return heal === null ? Infinity : Math.max(0, heal - this.ctx.clock.now()) + apiDelay;
    };
  }

  /** A capacity report from the leaf to the API: one message, the link's delay (0 before the run). */
  private reportDelay(path: string): number {
    if (!this.live) return 0;
    this.messages++;
    return this.leafByPath.get(path)?.apiDelay ?? 0;
  }

  private instanceChanged(inst: InstanceRecord, fault: string | null): void {
    const prev = this.seen.get(inst.uuid);
    if (inst.vmState === 'building' && prev) {
      if (prev.host !== null && inst.host !== null && prev.host !== inst.host) this.reschedules++;
      if (inst.host !== null) prev.host = inst.host;
    }
    if (prev?.vm === inst.vmState) return;
    if (inst.deleted) this.seen.delete(inst.uuid);
    else if (prev) prev.vm = inst.vmState;
    else this.seen.set(inst.uuid, { vm: inst.vmState, host: inst.host });
    if (inst.deleted) this.owner.delete(inst.uuid);
    const e: InstanceStateEvent = {
      uuid: inst.uuid, vmState: inst.vmState, fault: inst.vmState === 'error' ? fault : null, host: inst.host, atMs: this.ctx.clock.now(),
    };
    for (const l of this.listeners) l(e);
  }

  async submit(req: SimBuildRequest): Promise<string[]> {
    const ticket = this.api.dispatch(req);
    const leaf = this.leafByPath.get(ticket.path)!;
    try {
      const r = await leaf.cell.api.create(
        {
          name: req.name, flavor: req.flavor, image: req.image, minCount: req.count, maxCount: req.count,
          availabilityZone: req.availabilityZone, schedulerHints: req.schedulerHints, instanceGroup: req.group,
        },
        { projectId: req.projectId, userId: req.userId, reqId: req.reqId },
      );
      for (const u of r.instanceUuids) this.owner.set(u, leaf);
      const store = leaf.cell.services.ctx.store;
      this.api.bind(ticket, r.instanceUuids, (u) => {
        const inst = store.get(u);
        return !inst || placed(inst);
      });
      return r.instanceUuids;
    } catch (e) {
      this.api.cancel(ticket);
      throw e;
    }
  }

  async delete(uuid: string): Promise<void> {
    const leaf = this.owner.get(uuid);
    if (!leaf) return;
    try {
      await leaf.cell.api.delete(uuid, { ...ADMIN, reqId: `req-delete-${uuid}` });
    } catch (e) {
      if (!(e instanceof InstanceNotFound)) throw e;
    }
  }

  onInstanceState(cb: (e: InstanceStateEvent) => void): void {
    this.listeners.push(cb);
  }

  hosts(): SimHostUsage[] {
    return this.slots.map((s) => ({ name: s.plan.name, cell: s.leaf.path, up: !s.driver.down, usage: s.state }));
  }

  async applyFault(f: SimFault): Promise<void> {
    if (this.ctx.transport !== 'memory') throw new Error('flat-cells: faults need the in-memory transport');
    switch (f.kind) {
      case 'host_down':
      case 'host_up':
        this.setHosts(f.hosts, f.kind === 'host_down');
        return;
      case 'link_cut':
        this.setLinks(f.cells, f.untilMs);
        return;
      case 'link_heal':
        this.setLinks(f.cells, undefined);
        return;
      case 'site_lost':
        this.setLinks(f.cells, f.untilMs);
        this.setHosts(f.hosts, true);
        return;
      case 'site_restored':
        this.setLinks(f.cells, undefined);
        this.setHosts(f.hosts, false);
        return;
    }
  }

  /** Cut (with when it heals, null: never) or, with undefined, restore the links of these subtrees. */
  private setLinks(cells: readonly string[], healAt: number | null | undefined): void {
    for (const l of this.leavesUnder(cells)) {
      if (healAt === undefined) this.cut.delete(l.path);
      else this.cut.set(l.path, healAt);
      this.api.setReachable(l.path, healAt === undefined);
    }
  }

  private setHosts(hosts: readonly string[], down: boolean): void {
    for (const h of hosts) {
      const s = this.slotByHost.get(h);
      if (!s) continue;
      s.driver.down = down;
      const topic = conductorTopicOfHost(s.leaf.path, h);
      const hub = this.hubs.get(s.leaf.path)!;
      if (down) hub.silence(topic);
      else hub.unsilence(topic);
    }
  }

  private leavesUnder(cells: readonly string[]): Leaf[] {
    return this.leaves.filter((l) => cells.some((c) => l.path === c || l.path.startsWith(`${c}!`)));
  }

  counters(): SimCounters {
    return { messages: this.messages, reschedules: this.reschedules };
  }

  async stop(): Promise<void> {
    this.api?.stop();
    for (const l of this.leaves) await l.cell.stop();
  }
}

export const startFlatCells = (ctx: SimTargetContext): Promise<SimTarget> => FlatCells.start(ctx);

/** Placed on a host, or done with (failed, deleted): the leaf's capacity reports show it from now on. */
function placed(inst: InstanceRecord): boolean {
  return inst.host !== null || inst.vmState !== 'building';
}

function flavorSpec(f: PlanFlavor): FlavorSpec {
  return { id: f.id, name: f.name, vcpus: f.vcpus, memoryMb: f.ram, rootGb: f.disk, ephemeralGb: f.ephemeral, swapMb: f.swap, extraSpecs: f.extra_specs };
}

function memoryOrFile(file: string | undefined, discard: boolean | undefined): DbConfig {
  return file ? { file } : discard ? { file: ':memory:', discard } : { file: ':memory:' };
}
