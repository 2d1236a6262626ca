/**
 * The flat target's API level: one parent cell over all leaf cells, choosing among them as a parent
 * cell of the tree chooses among its children — the tree's own parts, one level deep. The one cell
 * scheduler (cells/scheduler: filters, then weighers) ranks the leaves from the parent's view of them
 * (cells/tree/children.ts: capacity reports applied in sequence, builds sent counted until the reports
 * show them, a leaf muted when its link is lost or it falls silent). Each leaf reports as a leaf of the
 * tree does (cells/capacity/reporter.ts): a delta after every placement, a look every `report_interval`
 * for host changes, a full report every `[cells] capacity_report_interval`, and one at once when its
 * link comes back. Reports take the link's delay and are lost while it is cut.
 *
 * Only the plumbing is the flat target's own: the leaves are SingleCells called directly (no bus to
 * the API), so a build is counted under ticket keys until its leaf says which instances it made.
 */
import type { FlavorSpec, HostState } from '../../actors/scheduler/types.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import { NoValidHost } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { leafCapacity } from '../../cells/capacity/capacity.ts';
import { CapacityReporter } from '../../cells/capacity/reporter.ts';
import type { CapacityReportBody } from '../../cells/messages.ts';
import { CellScheduler } from '../../cells/scheduler/cell-scheduler.ts';
import { Children } from '../../cells/tree/children.ts';
import type { SimBuildRequest } from '../target.ts';

export interface ApiLeaf {
  path: string;
  weightOffset: number;
  hostNames: readonly string[];
  /** The leaf's own configuration (its report intervals). */
  config: Readonly<NovaConfig>;
  /** The leaf scheduler's live host states. */
  hosts(): readonly HostState[];
}

export interface FlatApiOptions {
  /** The API cell's configuration (its cell scheduler's weighers, mute_child_interval). */
  config: Readonly<NovaConfig>;
  flavors: readonly FlavorSpec[];
  clock: Clock;
  log: Logger;
  /** Delay of a report from this leaf to the API, counted as a message (0: delivered at once). */
  linkDelay(path: string): number;
}

/** A build on its way to a leaf: counted there under these keys until its instances are known. */
export interface Ticket {
  path: string;
  keys: string[];
}

export class FlatApiLevel {
  private readonly children: Children;
  private readonly scheduler: CellScheduler;
  private readonly reporters = new Map<string, CapacityReporter>();
  private readonly cut = new Set<string>();
  private readonly timers: TimerHandle[] = [];
  /** Instance → ticket key, for instances not yet placed. */
  private readonly keyOf = new Map<string, string>();
  private tickets = 0;

  constructor(private readonly leaves: readonly ApiLeaf[], private readonly o: FlatApiOptions) {
    this.children = new Children(
      leaves.map((l) => ({ path: l.path, isLeaf: true, weightOffset: l.weightOffset, hosts: l.hostNames })),
      o.clock, o.config.cells.mute_child_interval * 1000, o.log,
    );
    this.children.setFlavors(o.flavors);
    this.scheduler = new CellScheduler(o.config);
    for (const l of leaves) {
      this.reporters.set(l.path, new CapacityReporter(
        l.path, () => leafCapacity(l.hosts(), o.flavors), (body) => this.send(body), o.clock, l.config.cells.capacity_report_interval * 1000,
      ));
    }
  }

  /** Every leaf's first full report, then the periodic ones and the parent's silence check. */
  async start(): Promise<void> {
    const { clock } = this.o;
    for (const l of this.leaves) {
      const r = this.reporters.get(l.path)!;
      await r.full();
      r.start();
      this.timers.push(clock.setInterval(() => r.changed(), l.config.DEFAULT.report_interval * 1000));
    }
    // As cells/tree/parent-role.ts: every 10 s, or a thirtieth of mute_child_interval when that is longer.
    const silenceCheckMs = Math.max(10_000, Math.floor((this.o.config.cells.mute_child_interval * 1000) / 30));
    this.timers.push(clock.setInterval(() => this.children.checkSilence(), silenceCheckMs));
  }

  stop(): void {
    for (const r of this.reporters.values()) r.stop();
    for (const t of this.timers) this.o.clock.clearTimer(t);
  }

  /**
   * The leaf the cell scheduler picks for a build, with the build counted there at once (before any
   * await, so the next build chosen in this same turn sees it). NoValidHost when no leaf passes.
   */
  dispatch(req: SimBuildRequest): Ticket {
    const cellReq = {
      spec: {
        projectId: req.projectId, userId: req.userId, flavor: req.flavor, image: req.image, availabilityZone: req.availabilityZone,
        schedulerHints: req.schedulerHints, instanceGroup: req.group, ignoreHosts: [], forceHosts: [], forceNodes: [],
      },
      numInstances: req.count,
      tried: [],
    };
    const candidates = this.children.candidates();
    const best = this.scheduler.best(candidates, cellReq);
    if (!best) {
      const why = this.scheduler.explain(candidates, cellReq);
      throw new NoValidHost(`No leaf cell can take the request (${JSON.stringify(why)}).`);
    }
    const t = ++this.tickets;
    const keys = Array.from({ length: req.count }, (_, i) => `ticket-${t}-${i}`);
    this.children.consume(best.path, keys, req.flavor);
    return { path: best.path, keys };
  }

  /** The leaf made these instances for the ticket: each stops counting once it is placed (or failed). */
  bind(ticket: Ticket, uuids: readonly string[], placed: (uuid: string) => boolean): void {
    let landed = false;
    uuids.forEach((u, i) => {
      const key = ticket.keys[i];
      if (key === undefined) return;
      if (!placed(u)) {
        this.keyOf.set(u, key);
        return;
      }
      this.children.landed(key);
      landed = true;
    });
    // Already placed, and already in a report: a report after this one lets the parent stop counting them.
    if (landed) this.reporters.get(ticket.path)?.changed(true);
  }

  /** The leaf did not take the build: nothing of it is on its way there. */
  cancel(ticket: Ticket): void {
    for (const k of ticket.keys) this.children.release(k);
  }

  /** An instance changed in its leaf: once placed (or failed), the leaf's next report includes it. */
  instanceChanged(path: string, uuid: string, placed: boolean): void {
    if (!placed) return;
    const key = this.keyOf.get(uuid);
    if (key !== undefined) {
      this.keyOf.delete(uuid);
      this.children.landed(key);
    }
    this.reporters.get(path)?.changed();
  }

  /** The API's link to the leaf went down (its will mutes it) or came back (it says hello, reports in full). */
  setReachable(path: string, reachable: boolean): void {
    if (!reachable) {
      this.cut.add(path);
      this.children.linkLost(path);
      return;
    }
    if (!this.cut.delete(path)) return;
    this.children.heardFrom(path);
    void this.reporters.get(path)?.full();
  }

  private send(body: CapacityReportBody): Promise<void> {
    if (this.cut.has(body.from)) return Promise.resolve();
    const delay = this.o.linkDelay(body.from);
    if (delay <= 0) this.receive(body);
    else this.o.clock.setTimeout(() => this.receive(body), delay);
    return Promise.resolve();
  }

  private receive(body: CapacityReportBody): void {
    if (this.cut.has(body.from)) return;
    // A gap in the sequence (a report lost to a cut): ask for a full one, as a parent does.
    if (!this.children.report(body)) void this.reporters.get(body.from)?.full();
  }
}
