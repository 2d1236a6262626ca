/**
 * What every cell with children does: listens on its broker's `up` topic (capacity reports, instance
 * updates, hand-backs, hello and last-will messages), keeps the children's state, dispatches builds
 * down with hand-back to siblings, routes targeted requests by cell path, and fans broadcasts out,
 * merging the replies and reporting silent subtrees as failure entries.
 */
import { HandlerTable, type Bus, type Verdict, type WireContext } from '../../runtime/bus/index.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import type { Db, WriteBehind } from '../../runtime/db/index.ts';
import { BadRequest, errorMessage, MessagingTimeout, NotFound, NovaError } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import {
  CapacityReport, CellBuildHandback, ChildGone, ChildHello, ChildLeave, InstanceUpdates,
  type BroadcastEntry, type CellBuildBody, type CellBuildHandbackBody, type CellRequestBody, type CapacityReportBody, type InstanceState, type SyncGlobalBody,
} from '../messages.ts';
import { describeSender, senderOf, type Sender } from '../security/principals.ts';
import { isEmptyDelta } from '../capacity/capacity.ts';
import { CellScheduler } from '../scheduler/cell-scheduler.ts';
import { downTopic, goneWildcard, upWildcard } from '../topics.ts';
import { Children } from './children.ts';
import { Dispatcher, type DispatchResult } from './dispatcher.ts';
import type { CellStatus, ChildStatus } from './status.ts';
import { HandbackResender, type HandbackStore } from './handbacks.ts';
import type { LeafBody, LeafReplies, LeafRequestType } from './leaf-replies.ts';

/** The request id and the caller's context a request travels with. */
type Via = { reqId?: string; context?: WireContext };

/** How long a (re)started cell waits for children it has not heard from before turning builds away. */
const REJOIN_GRACE_MS = 10_000;
const REJOIN_POLL_MS = 200;

export interface ParentRoleOptions {
  self: string;
  /** Client on this cell's own broker. */
  bus: Bus;
  /** `hosts`: every compute host the plan puts in the child's subtree (aggregates sent down are cut to them). */
  children: ReadonlyArray<{ path: string; isLeaf: boolean; weightOffset: number; hosts?: readonly string[] }>;
  config: NovaConfig;
  clock: Clock;
  writer: WriteBehind;
  db: Db;
  log: Logger;
  /** Instance updates from below. */
  onInstanceUpdates(updates: InstanceState[]): void;
  /** A build no child could place: send it further up, or (at the top) bury it. */
  onExhausted(build: CellBuildBody, reason: string): void;
  /**
   * The subtree's capacity changed. `confirm`: a child's report followed builds that landed, or confirmed
   * with an empty delta that its reports already show them; pass a delta on up even if our own total did
   * not move.
   */
  onCapacityChanged(confirm?: boolean): void;
  /** Global data for a child that (re)joined, if this cell has any yet. */
  globalData(): SyncGlobalBody | undefined;
  /** Where hand-backs taken from children are kept until done (absent: taken in memory only). */
  handbacks?: HandbackStore;
}

/** The sender is the link of child `cell` (and the message names that child, not another). */
function isChild(s: Sender, cell: string): Verdict {
  return (s.kind === 'link' && s.child === cell) || `${s.kind === 'link' ? `the link of ${s.child}` : `a ${s.kind}`} may not speak for ${cell}`;
}

/** …and it came from the link itself, not as its last will. */
function fromChild(s: Sender, cell: string): Verdict {
  return s.viaWill ? `${s.kind === 'link' ? s.child : 'a sender'}'s last will may carry only child_gone` : isChild(s, cell);
}

export class ParentRole {
  readonly children: Children;
  readonly dispatcher: Dispatcher;
  private readonly subtreeHosts = new Map<string, ReadonlySet<string>>();
  private timers: TimerHandle[] = [];
  private resender: HandbackResender | undefined;
  /** Builds handed back to this cell by a child (a figure for tests, logs and metrics). */
  handbacks = 0;
  /** Kept hand-backs (`in` keys) being passed on right now. */
  private readonly redispatching = new Set<string>();
  private startedAt = 0;

  constructor(private readonly o: ParentRoleOptions) {
    const cfg = o.config.cells;
    this.children = new Children(o.children, o.clock, cfg.mute_child_interval * 1000, o.log);
    this.dispatcher = new Dispatcher(
      o.self, o.bus, this.children, new CellScheduler(o.config), o.writer, o.clock, o.log, o.config.DEFAULT.rpc_response_timeout * 1000,
    );
    for (const c of o.children) if (c.hosts) this.subtreeHosts.set(c.path, new Set(c.hosts));
  }

  async start(): Promise<void> {
    this.startedAt = this.o.clock.now();
    await this.dispatcher.load(this.o.db);
    const fromBelow = this.handlers().handler();
    await this.o.bus.subscribe(upWildcard(this.o.self), fromBelow);
    await this.o.bus.subscribe(goneWildcard(this.o.self), fromBelow);
    // Every 10 s, or a thirtieth of mute_child_interval when that is longer (hourly reports in a big tree).
    const silenceCheckMs = Math.max(10_000, Math.floor((this.o.config.cells.mute_child_interval * 1000) / 30));
    this.timers.push(this.o.clock.setInterval(() => this.children.checkSilence(), silenceCheckMs));
    // Ask every child for a full report: after our restart we know nothing of them.
    for (const c of this.children.paths()) void this.o.bus.cast(downTopic(this.o.self, c), { type: 'capacity_request', body: {} }).catch(() => undefined);
    // Hand-backs taken before a restart and not yet passed on: pass them on now, and again every
    // HANDBACK_RESEND_MS while a child we sent one to has not answered.
    const store = this.o.handbacks;
    if (store) {
      this.resender = new HandbackResender(store, 'in', this.o.clock, () => this.redispatchKept());
      this.redispatchKept();
      this.resender.arm();
    }
  }

  private redispatchKept(): void {
    const store = this.o.handbacks!;
    for (const key of store.keys('in')) if (!this.redispatching.has(key)) void this.redispatch(store.get(key)!, key);
  }

  stop(): void {
    for (const t of this.timers) this.o.clock.clearTimer(t);
    this.resender?.stop();
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

  /**
   * Route a request to the cell at `target` (or, without one, along the build route of `uuid`), with
   * the request id and context it came with.
   */
  route(req: CellRequestBody, uuid?: string, via: Via = {}): Promise<unknown> {
    return this.forward(req, uuid, via);
  }

  /**
   * A request for a leaf, at `target` (or along the build route of `uuid` when the target is ''),
   * answered with what that leaf's conductor returns for it (leaf-replies.ts).
   */
  ask<K extends LeafRequestType>(type: K, body: LeafBody<K>, target: string, uuid?: string, via: Via = {}): Promise<LeafReplies[K]> {
    return this.forward<LeafReplies[K]>({ target, hops: 0, type, body }, uuid, via);
  }

  private async forward<R>(req: CellRequestBody, uuid: string | undefined, via: Via): Promise<R> {
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
    await this.followMove(req, child);
    return this.o.bus.call<R>(downTopic(this.o.self, child), { type: 'cell_request', ...via, body: { ...req, hops: req.hops + 1 } }, {
      timeoutMs: this.o.config.DEFAULT.rpc_response_timeout * 1000,
    });
  }

  /**
   * A cross-cell move passing through (cells/tree/cross-cell-migrate.ts): the step that shows the
   * instance in its new leaf (or again in its old one, on revert) moves this cell's route to the child
   * it goes down to, before the leaf sends the instance's state up; a step that deletes a copy below
   * a child forgets that child's route. Only the parent sends cell_request, so the route follows it alone.
   */
  private async followMove(req: CellRequestBody, child: string): Promise<void> {
    if (req.type !== 'cross_cell') return;
    const b = req.body;
    if (typeof b !== 'object' || b === null || !('uuid' in b) || !('op' in b)) return;
    const { uuid, op } = b;
    if (typeof uuid !== 'string' || typeof op !== 'string') return;
    if (op === 'show_dest' || op === 'revert_source') this.dispatcher.reroute(uuid, child);
    else if ((op === 'confirm_source' || op === 'purge_dest') && this.dispatcher.routeOf(uuid) === child) this.dispatcher.forget(uuid);
    else return;
    await this.o.writer.commit();
  }

  /** Ask every child subtree; a subtree that does not answer in time is one failure entry. */
  broadcast(type: string, body: unknown, hops: number, timeoutMs: number): Promise<BroadcastEntry[]> {
    return this.gather(type, body, hops, timeoutMs);
  }

  /** Ask every leaf below (a broadcast from this cell), each answer typed as that leaf's conductor gives it. */
  askAll<K extends LeafRequestType>(type: K, body: LeafBody<K>, timeoutMs: number): Promise<BroadcastEntry<LeafReplies[K]>[]> {
    return this.gather<LeafReplies[K]>(type, body, 0, timeoutMs);
  }

  private async gather<R>(type: string, body: unknown, hops: number, timeoutMs: number): Promise<BroadcastEntry<R>[]> {
    const per = await Promise.all(
      this.children.paths().map(async (c): Promise<BroadcastEntry<R>[]> => {
        try {
          return await this.o.bus.call<BroadcastEntry<R>[]>(
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

  /**
   * Global data as one child needs it: each aggregate's hosts cut to those of the child's subtree (a
   * cell's scheduler only looks up its own hosts; with 10^5 hosts, the whole list in every cell is
   * gigabytes). A child whose hosts the plan does not give gets everything.
   */
  private globalFor(child: string, body: SyncGlobalBody): SyncGlobalBody {
    const hosts = this.subtreeHosts.get(child);
    if (!hosts) return body;
    return { ...body, aggregates: body.aggregates.map((a) => ({ ...a, hosts: a.hosts.filter((h) => hosts.has(h)) })) };
  }

  async syncGlobal(body: SyncGlobalBody): Promise<void> {
    this.children.setFlavors(body.flavors);
    await Promise.all(
      this.children.paths().map((c) =>
        this.o.bus.call(downTopic(this.o.self, c), { type: 'sync_global', body: this.globalFor(c, body) }, { timeoutMs: this.o.config.DEFAULT.rpc_response_timeout * 1000 }).catch((e) =>
          this.o.log.warn({ child: c, err: errorMessage(e) }, 'sync_global failed; the child gets it at its next hello'),
        ),
      ),
    );
  }

  /**
   * What children send up, each entry with who may send it: a child's link speaks only for itself
   * (`from`/`cell` must name it), updates only instances this cell routed to it and that live in its
   * subtree, hands back only builds it was given, and `child_gone` counts only as the broker's last
   * will for that link.
   */
  private handlers(): HandlerTable<Sender> {
    const self = this.o.self;
    return new HandlerTable<Sender>({ name: `cell ${self}`, senderOf: (m) => senderOf(self, m.topic), describe: describeSender, log: this.o.log })
      .on(CapacityReport, { allow: (s, b) => fromChild(s, b.from), handle: (r) => this.onCapacity(r) })
      .on(InstanceUpdates, {
        allow: (s, b) => {
          const v = fromChild(s, b.from);
          if (v !== true) return v;
          return !b.capacity || b.capacity.from === b.from || `a capacity report for ${b.capacity.from} inside ${b.from}'s instance updates`;
        },
        handle: async (b, d) => {
          this.children.heardFrom(b.from);
          const mine = b.updates.filter((u) => this.inSubtree(b.from, u, d.sender));
          for (const u of mine) this.children.landed(u.uuid);
          if (mine.length > 0) this.o.onInstanceUpdates(mine);
          // Builds that landed go on up with a delta of ours after them, empty or not, so our parent too
          // stops counting them in flight (our own total may not move: the landing only replaces in flight).
          if (b.capacity) await this.onCapacity(b.capacity, mine.length > 0);
          return null;
        },
      })
      .on(CellBuildHandback, {
        // A child hands back only builds routed to it: others are left alone in the handler (a re-sent
        // hand-back this cell already took no longer has its route, and is answered as taken).
        allow: (s, b) => fromChild(s, b.from),
        handle: (b) => this.onHandback(b),
      })
      .on(ChildGone, {
        allow: (s, b) => (s.viaWill ? isChild(s, b.cell) : 'child_gone counts only as the last will of the link'),
        handle: (b) => this.childLeft(b.cell),
      })
      .on(ChildLeave, { allow: (s, b) => fromChild(s, b.cell), handle: (b) => this.childLeft(b.cell) })
      .on(ChildHello, {
        allow: (s, b) => fromChild(s, b.cell),
        handle: async (b) => {
          const cell = b.cell;
          this.children.heardFrom(cell);
          const g = this.o.globalData();
          if (g) await this.o.bus.cast(downTopic(self, cell), { type: 'sync_global', body: this.globalFor(cell, g) });
          await this.o.bus.cast(downTopic(self, cell), { type: 'capacity_request', body: {} });
          // It (re)joined: updates it sent while we or the link were down may be lost; it re-sends them.
          this.askResync(cell);
          return null;
        },
      });
  }

  /** A child's capacity (its own report, or the one that came with its instance updates). */
  private async onCapacity(r: CapacityReportBody, landed = false): Promise<null> {
    if (!this.children.report(r)) await this.o.bus.cast(downTopic(this.o.self, r.from), { type: 'capacity_request', body: {} });
    this.o.onCapacityChanged(landed || (!r.full && isEmptyDelta(r.capacity)));
    return null;
  }

  private childLeft(cell: string): null {
    this.children.linkLost(cell);
    this.o.onCapacityChanged();
    return null;
  }

  /** An update from `child` counts only for an instance routed to it, placed in its subtree. */
  private inSubtree(child: string, u: InstanceState, sender: Sender): boolean {
    if (this.dispatcher.routeOf(u.uuid) === child && (u.cell === child || u.cell.startsWith(`${child}!`))) return true;
    this.o.log.warn(
      { principal: describeSender(sender), instance_uuid: u.uuid, cell: u.cell, route: this.dispatcher.routeOf(u.uuid) ?? null },
      `cell ${this.o.self}: update of instance ${u.uuid} from ${child} denied (not in its subtree)`,
    );
    return false;
  }

  private askResync(child: string): void {
    void this.o.bus.cast(downTopic(this.o.self, child), { type: 'instances_resync', body: {} }).catch(() => undefined);
  }

  /**
   * Take a hand-back: forget the child's route and keep the hand-back in one commit, answer the child
   * (it may now let go), then pass the build on. The answer says how many instances were taken.
   */
  private async onHandback(h: CellBuildHandbackBody): Promise<{ taken: number }> {
    this.children.heardFrom(h.from);
    const mine = h.build.instances.filter((i) => this.dispatcher.routeOf(i.uuid) === h.from);
    if (mine.length < h.build.instances.length) {
      this.o.log.warn(
        { child: h.from, ignored: h.build.instances.filter((i) => !mine.includes(i)).map((i) => i.uuid) },
        `hand-back from ${h.from}: instances not routed to it (already taken, or never sent there) left alone`,
      );
    }
    if (mine.length === 0) return { taken: 0 };
    this.handbacks++;
    const taken: CellBuildHandbackBody = { ...h, build: { ...h.build, instances: mine } };
    for (const i of mine) {
      this.dispatcher.forget(i.uuid);
      this.children.release(i.uuid);
    }
    const key = this.o.handbacks?.put('in', taken, this.o.clock.now());
    await this.o.writer.commit();
    void this.redispatch(taken, key);
    return { taken: mine.length };
  }

  /**
   * Pass a build handed back on: to a sibling, or further up; then it is no longer ours to keep. A
   * child that does not answer may have it (or get it yet): the kept hand-back stays, and is sent
   * again along the same route, which the child deduplicates; handing it up instead could build it
   * twice.
   */
  private async redispatch(h: CellBuildHandbackBody, key: string | undefined): Promise<void> {
    const build: CellBuildBody = { ...h.build, tried: [...new Set([...h.build.tried, h.from])] };
    if (key !== undefined) this.redispatching.add(key);
    try {
      if (build.tried.length > this.o.config.cells.scheduler_retries) {
        this.o.onExhausted(build, `gave up after ${build.tried.length} cells handed it back: ${h.reason}`);
      } else {
        const r = await this.dispatch(build);
        if (!r.accepted) this.o.onExhausted({ ...build, tried: r.tried }, r.reason ?? h.reason);
      }
    } catch (e) {
      if (e instanceof MessagingTimeout && key !== undefined) {
        this.o.log.warn({ instance_uuid: build.instances[0]?.uuid, err: e.message }, 'handed-back build not yet taken by a child cell; will send it again');
        return;
      }
      const why = e instanceof NovaError ? e.message : String(e);
      this.o.log.warn({ err: why }, 'redispatch after hand-back failed');
      this.o.onExhausted(build, why);
    } finally {
      if (key !== undefined) this.redispatching.delete(key);
    }
    if (key !== undefined) this.o.handbacks?.remove(key);
    await this.o.writer.commit();
  }
}
