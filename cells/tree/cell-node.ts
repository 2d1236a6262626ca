/**
 * A cell below the API cell, in the tree: its link to the parent's broker (persistent session, QoS 1,
 * a last will so the parent learns at once when the link is gone), and what it does with what comes
 * down — a leaf hands builds and requests to its conductor; an intermediate cell passes them on to a
 * child. Upwards it sends capacity (deltas and full reports), instance updates, and hand-backs.
 */
import { ask } from '../../runtime/actor/index.ts';
import { HandlerTable, type Bus, type Envelope } from '../../runtime/bus/index.ts';
import { jsonCopy } from '../../runtime/bus/json-copy.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import { BadRequest, errorMessage, NotFound } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import { instanceFromRow, type InstanceRecord } from '../../actors/conductor/records.ts';
import type { BuildRequest } from '../../actors/conductor/build-requests.ts';
import {
  CapacityRequest, CellBroadcast, CellBuild, CellRequest, CellStatusRequest, InstancesResync, SyncGlobal,
  type BroadcastEntry, type CellBuildBody, type CellRequestBody, type InstanceState, type SyncGlobalBody,
} from '../messages.ts';
import { describeSender, senderOf, type Sender } from '../security/principals.ts';
import { CapacityReporter } from '../capacity/reporter.ts';
import type { Capacity } from '../capacity/capacity.ts';
import { LeafCapacityTracker } from '../capacity/leaf-capacity.ts';
import { downTopic, upTopic } from '../topics.ts';
import type { LeafServices } from '../leaf/leaf-services.ts';
import type { ParentRole } from './parent-role.ts';
import type { CellStatus } from './status.ts';
import { HandbackResender, type HandbackStore } from './handbacks.ts';
import { UpBatch } from './up-batch.ts';
import { latestUpdates } from './latest-updates.ts';
import type { CellBuildHandbackBody } from '../messages.ts';
import { newInstanceOf, type FaultView } from '../../actors/objects/index.ts';
import { isHidden } from '../../actors/conductor/tasks/cross-cell.ts';

/** Instance updates per message (a resync of a big cell is split). */
const UPDATES_PER_MESSAGE = 500;
/** A resync includes instances deleted this recently. */
const RESYNC_DELETED_MS = 3_600_000;

export interface CellNodeOptions {
  path: string;
  parentPath: string;
  /** Client on the parent's broker (its will announces our loss). */
  parentBus: Bus;
  config: NovaConfig;
  clock: Clock;
  log: Logger;
  /** A leaf's services, or an intermediate cell's parent role. */
  leaf?: LeafServices;
  parent?: ParentRole;
  /** Where hand-backs wait until the parent took them (absent: sent once, as a cast). */
  handbacks?: HandbackStore;
}

/** Fields of an instance record worth sending up (everything the API shows). */
export function instanceState(cell: string, inst: InstanceRecord, fault: FaultView | null | undefined): InstanceState {
  const shown = fault ? { code: fault.code, message: fault.message, details: fault.details, createdAt: fault.createdAt } : null;
  return { uuid: inst.uuid, cell, version: inst.version, record: { ...inst, fault: shown } };
}

/** Placed here, or failed here: no longer a build that may still be handed back. */
function isPlaced(inst: InstanceRecord | undefined): inst is InstanceRecord {
  return inst !== undefined && !(inst.host === null && inst.vmState === 'building');
}

export class CellNode {
  private flavors: FlavorSpec[] = [];
  private global: SyncGlobalBody | undefined;
  private readonly reporter: CapacityReporter;
  private readonly upBatch: UpBatch;
  private outbox: InstanceState[] = [];
  private flushing = false;
  /** Settles once the instance updates queued so far have reached the parent's broker (or failed to). */
  private updatesSent: Promise<unknown> = Promise.resolve();
  private sendQueued: (sent: Promise<unknown>) => void = () => undefined;
  /** A leaf's capacity, counted again only for the hosts that changed. */
  private readonly leafCapacity: LeafCapacityTracker | undefined;
  private hostCheck: TimerHandle | undefined;
  private handbackResender: HandbackResender | undefined;
  /** Hand-backs with a call to the parent under way. */
  private readonly handingBack = new Set<string>();
  /** Cells that already handed a build back, per instance, to pass along on our own hand-back. */
  private readonly triedOf = new Map<string, string[]>();

  constructor(private readonly o: CellNodeOptions) {
    this.leafCapacity = o.leaf ? new LeafCapacityTracker(o.leaf.ctx.hostManager.arrays) : undefined;
    this.upBatch = new UpBatch(o.clock, o.config.cells.update_batch_interval * 1000);
    this.reporter = new CapacityReporter(
      o.path,
      () => this.capacity(),
      (body) => o.parentBus.cast(upTopic(o.parentPath, o.path), { type: 'capacity_report', body }),
      o.clock,
      o.config.cells.capacity_report_interval * 1000,
      // After the batch's instance updates, which take the delta to ride with them if they go.
      this.upBatch.scheduleLast,
    );
  }

  async start(): Promise<void> {
    const { o } = this;
    if (o.leaf) {
      const ctx = o.leaf.ctx;
      ctx.store.onChange((inst) => {
        // Not yet placed here means not yet worth telling: it may still be handed back.
        if (!isPlaced(inst)) return;
        if (inst.vmState !== 'building') this.triedOf.delete(inst.uuid);
        // A hidden copy (a cross-cell move's other end) is not the instance the tree shows.
        if (isHidden(inst)) return;
        this.queueUpdate(instanceState(o.path, inst, ctx.store.faultOf(inst.uuid)));
        // A capacity delta, empty or not, rides with every update: the update tells each parent that a
        // build it counts in flight has landed (or failed), the delta after it that our reports count it.
        this.reporter.changed(true);
      });
    }
    await o.parentBus.subscribe(downTopic(o.parentPath, o.path), this.handlers().handler());
    await o.parentBus.cast(upTopic(o.parentPath, o.path), { type: 'child_hello', body: { cell: o.path } });
    // Back after a cut link: say hello (the parent unmutes us) and send a full report at once.
    o.parentBus.onReconnect?.(() => {
      void o.parentBus.cast(upTopic(o.parentPath, o.path), { type: 'child_hello', body: { cell: o.path } }).catch(() => undefined);
      void this.reporter.full();
    });
    await this.reporter.full();
    this.reporter.start();
    if (o.handbacks) {
      this.handbackResender = new HandbackResender(o.handbacks, 'out', o.clock, () => this.resendHandbacks());
      this.resendHandbacks();
      this.handbackResender.arm();
    }
    if (o.leaf) {
      // Hosts come and go without instance changes (an agent process starts, a service goes down):
      // look every report_interval, when heartbeats arrive; a delta goes up only if something changed.
      this.hostCheck = o.clock.setInterval(() => this.reporter.changed(), o.config.DEFAULT.report_interval * 1000);
    }
  }

  stop(): void {
    this.reporter.stop();
    this.upBatch.stop();
    this.sendQueued(Promise.resolve()); // a batch still gathered is dropped: no answer waits for it
    this.o.clock.clearTimer(this.hostCheck);
    this.handbackResender?.stop();
  }

  /** A graceful shutdown: tell the parent at once (a clean disconnect publishes no last will). */
  leave(): Promise<void> {
    return this.o.parentBus.cast(upTopic(this.o.parentPath, this.o.path), { type: 'child_leave', body: { cell: this.o.path } });
  }

  /** This cell's subtree for `novacell status`. */
  async status(timeoutMs: number): Promise<CellStatus> {
    const leaf = this.o.leaf;
    return {
      cell: this.o.path, role: leaf ? 'leaf' : 'intermediate', capacity: this.capacity(),
      ...(leaf ? { instances: leaf.ctx.store.size() } : {}),
      children: this.o.parent ? await this.o.parent.status(timeoutMs) : [],
    };
  }

  /** Global data to pass to a child that (re)joined. */
  lastGlobal(): SyncGlobalBody | undefined {
    return this.global;
  }

  /** Our subtree's capacity changed (a child reported, or our hosts changed); `confirm`: see ParentRoleOptions. */
  capacityChanged(confirm = false): void {
    this.reporter.changed(confirm);
  }

  /** Instance updates from our children travel on up. */
  forwardUpdates(updates: InstanceState[]): void {
    for (const u of updates) this.queueUpdate(u);
  }

  /** No child could place a build: it goes up to our parent with us added to the tried list. */
  handBackUp(build: CellBuildBody, reason: string): void {
    const body: CellBuildHandbackBody = { from: this.o.path, build: { ...build, tried: [...new Set([...build.tried, this.o.path])] }, reason };
    const store = this.o.handbacks;
    if (!store) {
      void this.o.parentBus.cast(upTopic(this.o.parentPath, this.o.path), { type: 'cell_build_handback', body });
      return;
    }
    // Kept in the caller's commit (it lets go of the build in the same one); sent once that is under way.
    const key = store.put('out', body, this.o.clock.now());
    queueMicrotask(() => void this.sendHandback(key));
  }

  private resendHandbacks(): void {
    for (const key of this.o.handbacks?.keys('out') ?? []) void this.sendHandback(key);
  }

  /** Call the parent with a kept hand-back; once it answers, the hand-back is the parent's. */
  private async sendHandback(key: string): Promise<void> {
    const store = this.o.handbacks!;
    const body = store.get(key);
    if (!body || this.handingBack.has(key)) return;
    this.handingBack.add(key);
    try {
      await store.commit();
      await this.o.parentBus.call(upTopic(this.o.parentPath, this.o.path), { type: 'cell_build_handback', body }, {
        timeoutMs: this.o.config.DEFAULT.rpc_response_timeout * 1000,
      });
      store.remove(key);
      await store.commit();
    } catch (e) {
      this.o.log.warn({ instance_uuid: body.build.instances[0]?.uuid, err: errorMessage(e) }, 'hand-back not yet taken by the parent; will re-send');
    } finally {
      this.handingBack.delete(key);
    }
  }

  capacity(): Capacity {
    if (this.o.leaf) {
      // A leaf reports after every change of its instances; most (a task state, a power state) leave
      // its hosts as they were, and the capacity computed last time stands. Nobody changes it in place.
      return this.leafCapacity!.capacity(this.o.leaf.ctx.hostManager.hosts(), this.flavors);
    }
    return this.o.parent!.children.total();
  }

  private queueUpdate(u: InstanceState): void {
    this.outbox.push(u);
    if (this.flushing) return;
    this.flushing = true;
    this.updatesSent = new Promise((resolve) => (this.sendQueued = resolve));
    this.upBatch.schedule(() => {
      this.flushing = false;
      const sent: Array<Promise<unknown>> = [];
      try {
        this.sendUpdates(sent);
      } finally {
        // Settled whatever happened to the batch, so no answer waits on it for ever.
        this.sendQueued(Promise.all(sent));
      }
    });
  }

  /** The gathered updates as `instance_updates` messages to the parent, each cast's promise in `sent`. */
  private sendUpdates(sent: Array<Promise<unknown>>): void {
    const all = latestUpdates(this.outbox);
    this.outbox = [];
    // The capacity delta of this turn rides with the last message, after the updates it reflects.
    const pending = this.reporter.takePending();
    // The updates are handed over, not copied again by an in-process bus: a middle cell forwards what
    // its children sent (wire copies it keeps no reference to), and a leaf's are built for this
    // message (instanceState: a new record whose parts records replace, never change in place). The
    // capacity delta shares lists with the last report, so it goes as a copy.
    const capacity = pending ? (jsonCopy(pending) as typeof pending) : pending;
    for (let i = 0; i < all.length; i += UPDATES_PER_MESSAGE) {
      const updates = all.slice(i, i + UPDATES_PER_MESSAGE);
      const last = i + UPDATES_PER_MESSAGE >= all.length;
      const body = { from: this.o.path, updates, ...(last && capacity ? { capacity } : {}) };
      sent.push(this.o.parentBus
        .cast(upTopic(this.o.parentPath, this.o.path), { type: 'instance_updates', body, handOver: true })
        .catch((e) => this.o.log.warn({ err: errorMessage(e) }, 'instance updates not sent; the link will re-send')));
    }
  }

  /**
   * Send the state of our instances again: a leaf its live instances and those deleted lately (their
   * last update may be what was lost); a middle cell asks its children. Versions keep it harmless.
   */
  private async resync(): Promise<void> {
    const { o } = this;
    if (!o.leaf) {
      o.parent!.resyncChildren();
      return;
    }
    const ctx = o.leaf.ctx;
    for (const inst of ctx.store.all()) {
      if ((inst.host === null && inst.vmState === 'building') || isHidden(inst)) continue;
      this.queueUpdate(instanceState(o.path, inst, ctx.store.faultOf(inst.uuid)));
    }
    const since = o.clock.now() - RESYNC_DELETED_MS;
    for (const r of await ctx.db('instances').where({ deleted: true }).andWhere('deleted_at', '>=', since)) {
      this.queueUpdate(instanceState(o.path, instanceFromRow(r), null));
    }
  }

  /** A leaf's builds its conductor cannot place go up (the leaf's `handBack` port, given when its services start). */
  handBack(brs: BuildRequest[], reason: string): boolean {
    const first = brs[0];
    if (!first) return true;
    const ctx = this.o.leaf!.ctx;
    const instances = brs.map((br) => newInstanceOf(ctx.store.get(br.instanceUuid)!));
    const tried = this.triedOf.get(first.instanceUuid) ?? [];
    for (const br of brs) this.triedOf.delete(br.instanceUuid);
    this.handBackUp({ instances, spec: first.spec, tried, hops: 0, reqId: first.requestId }, reason);
    return true;
  }

  /** What comes down from the parent; only the parent cell's own services can write our down topic. */
  private handlers(): HandlerTable<Sender> {
    const { o } = this;
    const parentCell = (s: Sender) => (s.kind === 'cell' && s.cell === o.parentPath) || `only cell ${o.parentPath} sends down to ${o.path}`;
    return new HandlerTable<Sender>({ name: `cell ${o.path}`, senderOf: (m) => senderOf(o.parentPath, m.topic), describe: describeSender, log: o.log })
      .on(CellBuild, { allow: parentCell, handle: (b, d) => this.build(b, b.reqId ?? d.msg.reqId ?? '') })
      .on(CellRequest, { allow: parentCell, handle: (b, d) => this.request(b, d.msg) })
      .on(CellBroadcast, { allow: parentCell, handle: (b) => this.broadcast(b.type, b.body, b.hops, b.timeoutMs) })
      .on(SyncGlobal, { allow: parentCell, handle: (b) => this.syncGlobal(b) })
      .on(CapacityRequest, { allow: parentCell, handle: async () => (await this.reporter.full(), null) })
      .on(InstancesResync, { allow: parentCell, handle: async () => (await this.resync(), null) })
      .on(CellStatusRequest, { allow: parentCell, handle: (b) => this.status(b.timeoutMs) });
  }

  private async build(b: CellBuildBody, reqId: string): Promise<{ accepted: boolean; reason?: string }> {
    if (b.hops > this.o.config.cells.max_hop_count) {
      return { accepted: false, reason: `hop count ${b.hops} exceeds max_hop_count` };
    }
    if (this.o.leaf) {
      const ctx = this.o.leaf.ctx;
      // Kept while it builds (a hand-back passes it on); a first try has none to keep.
      if (b.tried.length > 0) for (const i of b.instances) this.triedOf.set(i.uuid, b.tried);
      // A build placed here before this call is a re-send (the answer to the first was lost): it changes
      // nothing, so nothing would travel up. Its state goes again, with an empty capacity delta that
      // confirms our reports already count it: each parent on the way sees it landed and stops counting
      // it as in flight at once. A build placed by this call went up as it changed (the store's onChange).
      const placedBefore = b.instances.filter((i) => isPlaced(ctx.store.get(i.uuid)));
      await ask(this.o.leaf.conductor, 'buildInstances', { instances: b.instances, spec: b.spec }, reqId);
      for (const i of placedBefore) {
        const inst = ctx.store.get(i.uuid);
        if (inst) this.queueUpdate(instanceState(this.o.path, inst, ctx.store.faultOf(inst.uuid)));
      }
      if (placedBefore.length > 0) this.reporter.changed(true);
      return { accepted: true };
    }
    const r = await this.o.parent!.dispatch(b);
    return r.accepted ? { accepted: true } : { accepted: false, reason: r.reason };
  }

  /**
   * A request for this cell or one below, passed on with the request id and context it came with. Its
   * answer leaves after the instance updates it caused (sent at once, not at the end of the update
   * interval), so a caller that reads the instance at the top when the answer comes sees the change.
   */
  private async request(r: CellRequestBody, msg: Pick<Envelope, 'reqId' | 'context'>): Promise<unknown> {
    const via = { reqId: msg.reqId, context: msg.context };
    const uuid = uuidOf(r.body);
    try {
      if (r.target === this.o.path || (!r.target && this.o.leaf)) return await this.local(r.type, r.body, via);
      if (this.o.leaf) throw new NotFound(`Unknown cell ${r.target} (${this.o.path} is a leaf)`);
      return await this.o.parent!.route(r, uuid, via);
    } finally {
      if (this.flushing) this.upBatch.flushNow();
      await this.updatesSent;
    }
  }

  private async broadcast(type: string, body: unknown, hops: number, timeoutMs: number): Promise<BroadcastEntry[]> {
    if (this.o.leaf) {
      try {
        return [{ cell: this.o.path, ok: true, result: await this.local(type, body) }];
      } catch (e) {
        return [{ cell: this.o.path, ok: false, error: errorMessage(e) }];
      }
    }
    return this.o.parent!.broadcast(type, body, hops, timeoutMs);
  }

  private async syncGlobal(b: SyncGlobalBody): Promise<null> {
    this.flavors = b.flavors;
    this.global = b;
    if (this.o.leaf) await ask(this.o.leaf.conductor, 'syncAggregates', b.aggregates);
    else await this.o.parent!.syncGlobal(b);
    this.reporter.changed();
    return null;
  }

  /** A leaf answers requests from its conductor (the same calls the conductor topic serves). */
  private async local(type: string, body: unknown, via: Pick<Envelope, 'reqId' | 'context'> = {}): Promise<unknown> {
    const leaf = this.o.leaf;
    if (!leaf) throw new BadRequest(`cell ${this.o.path} has no conductor to handle ${type}`);
    return leaf.ctx.bus.call(leaf.conductorTopic, { type, body, ...via }, { timeoutMs: this.o.config.DEFAULT.rpc_response_timeout * 1000 });
  }
}

/** The instance a routed request is about, when its body names one. */
function uuidOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'uuid' in body && typeof body.uuid === 'string' ? body.uuid : undefined;
}
