/**
 * What every cell with children does: listens on its broker's `up` topic (capacity reports, instance
 * updates, hand-backs, hello and last-will messages), keeps the children's state, dispatches builds
 * down with hand-back to siblings, routes targeted requests by cell path, and fans broadcasts out,
 * merging the replies and reporting silent subtrees as failure entries.
 */
import type { Bus, Envelope } from '../../runtime/bus/index.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import type { Db, WriteBehind } from '../../runtime/db/index.ts';
import { BadRequest, NotFound, NovaError } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import '../messages.ts';
import type {
  BroadcastEntry, CapacityReportBody, CellBuildBody, CellBuildHandbackBody, CellRequestBody, InstanceState, SyncGlobalBody,
} from '../messages.ts';
import { CellScheduler } from '../scheduler/cell-scheduler.ts';
import { downTopic, upTopic } from '../topics.ts';
import { Children } from './children.ts';
import { Dispatcher, type DispatchResult } from './dispatcher.ts';
import type { CellStatus, ChildStatus } from './status.ts';

/** How long a (re)started cell waits for children it has not heard from before turning builds away. */
const REJOIN_GRACE_MS = 10_000;
const REJOIN_POLL_MS = 200;

export interface ParentRoleOptions {
  self: string;
  /** Client on this cell's own broker. */
  bus: Bus;
  children: ReadonlyArray<{ path: string; isLeaf: boolean; weightOffset: number }>;
  config: NovaConfig;
  clock: Clock;
  writer: WriteBehind;
  db: Db;
  log: Logger;
  /** Instance updates from below. */
  onInstanceUpdates(updates: InstanceState[]): void;
  /** A build no child could place: send it further up, or (at the top) bury it. */
  onExhausted(build: CellBuildBody, reason: string): void;
  /** The subtree's capacity changed. */
  onCapacityChanged(): void;
  /** Global data for a child that (re)joined, if this cell has any yet. */
  globalData(): SyncGlobalBody | undefined;
}

export class ParentRole {
  readonly children: Children;
  readonly dispatcher: Dispatcher;
  private timers: TimerHandle[] = [];
  /** Builds handed back to this cell by a child (a figure for tests, logs and metrics). */
  handbacks = 0;
  private startedAt = 0;

  constructor(private readonly o: ParentRoleOptions) {
    const cfg = o.config.cells;
    this.children = new Children(o.children, o.clock, cfg.mute_child_interval * 1000, o.log);
    this.dispatcher = new Dispatcher(
      o.self, o.bus, this.children, new CellScheduler(o.config), o.writer, o.clock, o.log, o.config.DEFAULT.rpc_response_timeout * 1000,
    );
  }

  async start(): Promise<void> {
    this.startedAt = this.o.clock.now();
    await this.dispatcher.load(this.o.db);
    await this.o.bus.subscribe(upTopic(this.o.self), (msg) => this.onUp(msg));
    this.timers.push(this.o.clock.setInterval(() => this.children.checkSilence(), 10_000));
    // Ask every child for a full report: after our restart we know nothing of them.
    for (const c of this.children.paths()) void this.o.bus.cast(downTopic(this.o.self, c), { type: 'capacity_request', body: {} }).catch(() => undefined);
  }

  stop(): void {
    for (const t of this.timers) this.o.clock.clearTimer(t);
  }

  /**
   * Hand a build to the best child; hand-backs inside the call are retried on siblings. Just after
   * this cell (re)started, children not yet heard from get a grace period to rejoin before a build is
   * turned away for want of a child that can take it.
   */
  async dispatch(build: CellBuildBody): Promise<DispatchResult> {
    const r = await this.dispatcher.dispatch(build);
    if (r.accepted || !this.rejoining()) return r;
    while (this.rejoining()) await this.o.clock.sleep(REJOIN_POLL_MS);
    return this.dispatcher.dispatch({ ...build, tried: r.tried });
  }

  /** Some child has not been heard from since this cell started, and the grace period is not over. */
  private rejoining(): boolean {
    const grace = Math.min(REJOIN_GRACE_MS, this.o.config.cells.mute_child_interval * 1000);
    if (this.o.clock.now() - this.startedAt >= grace) return false;
    return this.children.paths().some((c) => this.children.linkState(c)!.lastHeardMsAgo === null);
  }

  /** Route a request to the cell at `target` (or, without one, along the build route of `uuid`). */
  async route(req: CellRequestBody, uuid?: string): Promise<unknown> {
    if (req.hops >= this.o.config.cells.max_hop_count) {
      throw new BadRequest(`Hop count exceeded (${req.hops} >= max_hop_count ${this.o.config.cells.max_hop_count}) routing to ${req.target}`);
    }
    let child: string | undefined;
    if (req.target) {
      child = this.children.paths().find((c) => req.target === c || req.target.startsWith(`${c}!`));
      if (!child) throw new NotFound(`Unknown cell ${req.target} (no such child of ${this.o.self})`);
    } else if (uuid) {
      child = this.dispatcher.routeOf(uuid);
      if (!child) throw new NotFound(`No route for instance ${uuid} in cell ${this.o.self}`);
    } else {
      throw new BadRequest('cell_request needs a target cell or an instance');
    }
    return this.o.bus.call(downTopic(this.o.self, child), { type: 'cell_request', body: { ...req, hops: req.hops + 1 } }, {
      timeoutMs: this.o.config.DEFAULT.rpc_response_timeout * 1000,
    });
  }

  /** Ask every child subtree; a subtree that does not answer in time is one failure entry. */
  async broadcast(type: string, body: unknown, hops: number, timeoutMs: number): Promise<BroadcastEntry[]> {
    const per = await Promise.all(
      this.children.paths().map(async (c): Promise<BroadcastEntry[]> => {
        try {
          return await this.o.bus.call<BroadcastEntry[]>(
            downTopic(this.o.self, c),
            { type: 'cell_broadcast', body: { type, body, hops: hops + 1, timeoutMs: Math.max(1, Math.floor(timeoutMs * 0.8)) } },
            { timeoutMs },
          );
        } catch (e) {
          return [{ cell: c, ok: false, error: e instanceof Error ? e.message : String(e) }];
        }
      }),
    );
    return per.flat();
  }

  /** Each child's link state and its own status, asked in parallel; a child that does not answer in time is reported as such. */
  async status(timeoutMs: number): Promise<ChildStatus[]> {
    return Promise.all(
      this.children.paths().map(async (c): Promise<ChildStatus> => {
        const seen = this.children.linkState(c)!;
        const entry: ChildStatus = { cell: c, ...seen };
        try {
          entry.status = await this.o.bus.call<CellStatus>(
            downTopic(this.o.self, c), { type: 'cell_status', body: { timeoutMs: Math.max(1, Math.floor(timeoutMs * 0.8)) } }, { timeoutMs },
          );
        } catch (e) {
          entry.error = e instanceof Error ? e.message : String(e);
        }
        return entry;
      }),
    );
  }

  /** Ask every child to send its instances' state again (we may have lost updates). */
  resyncChildren(): void {
    for (const c of this.children.paths()) this.askResync(c);
  }

  async syncGlobal(body: SyncGlobalBody): Promise<void> {
    this.children.setFlavors(body.flavors);
    await Promise.all(
      this.children.paths().map((c) =>
        this.o.bus.call(downTopic(this.o.self, c), { type: 'sync_global', body }, { timeoutMs: this.o.config.DEFAULT.rpc_response_timeout * 1000 }).catch((e) =>
          this.o.log.warn({ child: c, err: (e as Error).message }, 'sync_global failed; the child gets it at its next hello'),
        ),
      ),
    );
  }

  private async onUp(msg: Envelope): Promise<unknown> {
    switch (msg.type) {
      case 'capacity_report': {
        const r = msg.body as CapacityReportBody;
        if (!this.children.report(r)) {
          await this.o.bus.cast(downTopic(this.o.self, r.from), { type: 'capacity_request', body: {} });
        }
        this.o.onCapacityChanged();
        return null;
      }
      case 'instance_updates': {
        const b = msg.body as { from: string; updates: InstanceState[] };
        this.children.heardFrom(b.from);
        for (const u of b.updates) this.children.landed(u.uuid);
        this.o.onInstanceUpdates(b.updates);
        return null;
      }
      case 'cell_build_handback':
        return this.onHandback(msg.body as CellBuildHandbackBody);
      case 'child_gone':
        this.children.linkLost((msg.body as { cell: string }).cell);
        this.o.onCapacityChanged();
        return null;
      case 'child_hello': {
        const cell = (msg.body as { cell: string }).cell;
        this.children.heardFrom(cell);
        const g = this.o.globalData();
        if (g) await this.o.bus.cast(downTopic(this.o.self, cell), { type: 'sync_global', body: g });
        await this.o.bus.cast(downTopic(this.o.self, cell), { type: 'capacity_request', body: {} });
        // It (re)joined: updates it sent while we or the link were down may be lost; it re-sends them.
        this.askResync(cell);
        return null;
      }
      default:
        throw new BadRequest(`cell ${this.o.self} does not handle ${msg.type} from below`);
    }
  }

  private askResync(child: string): void {
    void this.o.bus.cast(downTopic(this.o.self, child), { type: 'instances_resync', body: {} }).catch(() => undefined);
  }

  private async onHandback(h: CellBuildHandbackBody): Promise<void> {
    this.handbacks++;
    this.children.heardFrom(h.from);
    const build: CellBuildBody = { ...h.build, tried: [...new Set([...h.build.tried, h.from])] };
    for (const i of build.instances) {
      this.dispatcher.forget(i.uuid);
      this.children.release(i.uuid);
    }
    if (build.tried.length > this.o.config.cells.scheduler_retries) {
      this.o.onExhausted(build, `gave up after ${build.tried.length} cells handed it back: ${h.reason}`);
      return;
    }
    try {
      const r = await this.dispatch(build);
      if (!r.accepted) this.o.onExhausted({ ...build, tried: r.tried }, r.reason ?? h.reason);
    } catch (e) {
      const why = e instanceof NovaError ? e.message : String(e);
      this.o.log.warn({ err: why }, 'redispatch after hand-back failed');
      this.o.onExhausted(build, why);
    }
  }
}
