/**
 * The real thing under simulation: the whole cell tree (API cell, intermediate and leaf cells, their
 * conductors, schedulers, placement and compute actors), each cell with its own in-memory broker on
 * the engine's VirtualClock. Messages a child sends to or receives from its parent's broker take the
 * geographic delay between the two sites; messages inside a cell take `network.intra_cell_ms`. Faults
 * are real faults: a cut link drops the child's client (its will mutes it at the parent), a host that
 * is down stops heartbeating and fails spawns.
 */
import { InstanceNotFound } from '../../runtime/errors/index.ts';
import { MemoryBus } from '../../runtime/bus/index.ts';
import type { HostState } from '../../actors/scheduler/types.ts';
import { CellTree } from '../../cells/tree/tree.ts';
import { conductorTopicOfHost } from '../../cells/topics.ts';
import type { PlanCell, PlanHost } from '../../topology/plan-types.ts';
import { siteDelayMs } from '../geo.ts';
import type { InstanceStateEvent, SimBuildRequest, SimCounters, SimFault, SimHostUsage, SimTarget, SimTargetContext } from '../target.ts';
import { SimFakeDriver } from './sim-driver.ts';
import { SimHub } from './sim-hub.ts';
import { flavorOfRecord } from '../../actors/objects/index.ts';

const ADMIN = { projectId: 'admin', userId: 'admin', isAdmin: true };

interface Slot {
  plan: PlanHost;
  state: HostState;
  driver: SimFakeDriver;
}

export class CellTreeTarget implements SimTarget {
  readonly name = 'cell-tree';
  private tree!: CellTree;
  private live = false;
  private messages = 0;
  private reschedules = 0;
  private readonly hubs = new Map<string, SimHub>();
  private readonly drivers = new Map<string, SimFakeDriver>();
  private slots: Slot[] = [];
  private readonly seen = new Map<string, string>();
  private readonly hostOf = new Map<string, string>();
  private readonly listeners: ((e: InstanceStateEvent) => void)[] = [];

  private constructor(private readonly ctx: SimTargetContext) {}

  static async start(ctx: SimTargetContext): Promise<CellTreeTarget> {
    const t = new CellTreeTarget(ctx);
    const byPath = new Map(ctx.plan.cells.map((c) => [c.path, c]));
    t.tree = await CellTree.start({
      plan: ctx.plan, clock: ctx.clock, rng: ctx.rng, log: ctx.log,
      dbFile: (c) => ctx.dbFile?.(c.path) ?? ':memory:', discardDb: ctx.discardDb,
      transport: ctx.transport === 'memory'
        ? {
            kind: 'memory',
            hubFor: (c) => {
              const hub = new SimHub();
              t.hubs.set(c.path, hub);
              return hub;
            },
            delay: (cell, from, topic) => t.delay(cell, from, topic, byPath),
            // The simulated cells are all our own code in this process: validating each message at
            // every hop is the cost of a wire the simulation does not have.
            trusted: true,
          }
        : { kind: 'mqtt' },
      driverFor: (h) => {
        const d = new SimFakeDriver({
          clock: ctx.clock, rng: ctx.rng.stream(`fake-driver:${h.cell}:${h.name}`),
          resources: { vcpus: h.vcpus, memoryMb: h.memory_mb, localGb: h.disk_gb, hypervisorType: h.hypervisor_type, cpuArch: h.cpu_arch },
          spawnTimeMs: ctx.spawnTime(h), failureRate: h.driver_options.failure_rate ?? 0,
        });
        t.drivers.set(h.name, d);
        return d;
      },
    });
    await t.tree.apiCell.setFlavors(ctx.flavors.map((f) => flavorOfRecord({ ...f, extraSpecs: f.extra_specs })));
    for (const leaf of t.tree.leaves()) {
      const store = leaf.leaf!.ctx.store;
      store.onChange((inst) => {
        if (inst.vmState !== 'building' || !inst.host) return;
        const prev = t.hostOf.get(inst.uuid);
        if (prev && prev !== inst.host) t.reschedules++;
        t.hostOf.set(inst.uuid, inst.host);
      });
    }
    t.tree.apiCell.onInstanceChange((c) => {
      const prev = t.seen.get(c.uuid);
      if (prev === c.vmState) return;
      if (c.deleted) {
        t.seen.delete(c.uuid);
        t.hostOf.delete(c.uuid);
      } else t.seen.set(c.uuid, c.vmState);
      const e: InstanceStateEvent = {
        uuid: c.uuid, vmState: c.vmState, fault: c.vmState === 'error' ? (c.fault?.message ?? null) : null, host: c.host, atMs: ctx.clock.now(),
      };
      for (const l of t.listeners) l(e);
    });
    const order = new Map(ctx.plan.hosts.map((h, i) => [h.name, i]));
    const hostsOf = new Map<string, PlanHost[]>();
    for (const h of ctx.plan.hosts) {
      const list = hostsOf.get(h.cell);
      if (list) list.push(h);
      else hostsOf.set(h.cell, [h]);
    }
    for (const leaf of t.tree.leaves()) {
      for (const h of hostsOf.get(leaf.plan.path) ?? []) {
        const state = leaf.leaf!.ctx.hostManager.nodesOf(h.name)[0];
        if (!state) throw new Error(`simulator: host ${h.name} of cell ${h.cell} did not register`);
        t.slots.push({ plan: h, state, driver: t.drivers.get(h.name)! });
      }
    }
    t.slots.sort((a, b) => order.get(a.plan.name)! - order.get(b.plan.name)!);
    t.live = true;
    return t;
  }

  /** A message on `cell`'s broker: a child's link crosses sites; everything else stays inside the cell. */
  private delay(cell: PlanCell, from: string, topic: string, byPath: Map<string, PlanCell>): number {
    if (!this.live) return 0;
    this.messages++;
    const net = this.ctx.network;
    const far = this.farEnd(from, topic);
    if (far === null) return net.intra_cell_ms;
    return siteDelayMs(cell.site, byPath.get(far)?.site ?? null, net);
  }

  /** The child cell at the other end of a link message, or null for a message inside the cell (no regex or split on the way). */
  private farEnd(from: string, topic: string): string | null {
    const down = topic.indexOf('/down/');
    if (down >= 0 && down + 6 < topic.length) return topic.slice(down + 6);
    if (from.startsWith('link:') && from.length > 5) return from.slice(5);
    const reply = topic.indexOf('/reply/link:');
    if (reply < 0) return null;
    const end = topic.indexOf('/reply/link:', reply + 12);
    return topic.slice(reply + 12, end < 0 ? topic.length : end);
  }

  async submit(req: SimBuildRequest): Promise<string[]> {
    const r = await this.tree.api.create(
      {
        name: req.name, flavor: req.flavor, image: req.image, minCount: req.count, maxCount: req.count,
        availabilityZone: req.availabilityZone, schedulerHints: req.schedulerHints, instanceGroup: req.group,
      },
      { projectId: req.projectId, userId: req.userId, reqId: req.reqId },
    );
    return r.instanceUuids;
  }

  async delete(uuid: string): Promise<void> {
    try {
      await this.tree.api.delete(uuid, { ...ADMIN, reqId: `req-delete-${uuid}` });
    } catch (e) {
      if (!(e instanceof InstanceNotFound)) throw e;
    }
  }

  onInstanceState(cb: (e: InstanceStateEvent) => void): void {
    this.listeners.push(cb);
  }

  hosts(): SimHostUsage[] {
    return this.slots.map((s) => ({ name: s.plan.name, cell: s.plan.cell, up: !s.driver.down, usage: s.state }));
  }

  async applyFault(f: SimFault): Promise<void> {
    if (this.ctx.transport !== 'memory') throw new Error('cell-tree: faults need the in-memory transport');
    switch (f.kind) {
      case 'host_down':
      case 'host_up':
        this.setHosts(f.hosts, f.kind === 'host_down');
        return;
      case 'link_cut':
      case 'link_heal':
        this.setLinks(f.cells, f.kind === 'link_cut');
        return;
      case 'site_lost':
      case 'site_restored':
        this.setLinks(f.cells, f.kind === 'site_lost');
        this.setHosts(f.hosts, f.kind === 'site_lost');
        return;
    }
  }

  private setLinks(cells: readonly string[], cut: boolean): void {
    for (const path of cells) {
      const bus = this.tree.cells.get(path)?.parentBus;
      if (!(bus instanceof MemoryBus)) continue;
      if (cut) bus.cutLink();
      else bus.restoreLink();
    }
  }

  private setHosts(hosts: readonly string[], down: boolean): void {
    for (const h of hosts) {
      const slot = this.slots.find((s) => s.plan.name === h);
      if (!slot) continue;
      slot.driver.down = down;
      const hub = this.hubs.get(slot.plan.cell);
      if (down) hub?.silence(conductorTopicOfHost(slot.plan.cell, h));
      else hub?.unsilence(conductorTopicOfHost(slot.plan.cell, h));
    }
  }

  counters(): SimCounters {
    return { messages: this.messages, reschedules: this.reschedules };
  }

  async stop(): Promise<void> {
    await this.tree.stop();
  }
}

export const startCellTree = (ctx: SimTargetContext): Promise<SimTarget> => CellTreeTarget.start(ctx);
