/**
 * The API cell, the top of the tree. It keeps what the API needs to answer without asking the leaves:
 * a copy of every instance that only a newer version may overwrite, and the builds not yet accepted by
 * a leaf, stored before they are sent and re-sent until accepted. It writes the instance mappings
 * (which cell holds an instance, cells v2's lesson) into the API database's one instance_mappings
 * table (actors/api/db/instances.ts): before a build is sent, then the cell as leaves report it. It
 * implements the CellsPort the ComputeAPI facade talks to.
 */
import type { Migration, MigrationFilter } from '../../actors/objects/index.ts';
import { purgeDeletedRows, type PurgeCounts } from '../../actors/conductor/db-purge.ts';
import type { Bus } from '../../runtime/bus/index.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import { openDb, WriteBehind, type Db, type DbConfig } from '../../runtime/db/index.ts';
import { HandbackStore } from './handbacks.ts';
import { InstanceInvalidState, InstanceNotFound, NotFound, NoValidHost, NovaError } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { AggregateWithHosts, BuildInstancesBody, InstanceTask } from '../../actors/conductor/messages.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import type { InstanceAction } from '../../actors/conductor/instance-store.ts';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import type { PowerAction } from '../../actors/compute/states.ts';
import type { ConnectInfo, ConsoleType } from '../../actors/console/console-auth-token.ts';
import {
  wireContext, type CellsPort, type ComputeNodeView, type IssuedToken, type InstanceView, type RequestContext, type ServiceUpdate, type ServiceView,
} from '../../actors/api/compute-api.ts';
import type { CellBuildBody, InstanceState, SyncGlobalBody } from '../messages.ts';
import { ParentRole } from './parent-role.ts';
import { CrossCellMigrations } from './cross-cell-migrate.ts';
import type { LeafBody, LeafReplies, LeafRequestType } from './leaf-replies.ts';
import type { CellStatus } from './status.ts';
import { treeMigrations, treeTables } from './tree-db.ts';
import type { PlacementOp, PlacementReply } from '../../actors/placement/index.ts';
import type { LeafReply, PlacementBackend } from '../../actors/api/placement/index.ts';
import { instanceFromBuild, sharedFlavor, sharedIfEmpty, sharedImage, type Diagnostics } from '../../actors/objects/index.ts';
import type { InstanceMappingRepo } from '../../actors/api/db/instances.ts';

/** What the API cell writes of the API database's instance mappings. */
export type InstanceMappings = Pick<InstanceMappingRepo, 'get' | 'create' | 'setCell' | 'markDeleted'>;

export interface ApiCellOptions {
  path: string;
  bus: Bus;
  db: DbConfig;
  children: ReadonlyArray<{ path: string; isLeaf: boolean; weightOffset: number }>;
  config: NovaConfig;
  clock: Clock;
  log: Logger;
  /** How often builds not yet accepted are re-sent (ms). */
  resendIntervalMs?: number;
  /** Times the database commits (metrics). */
  timeCommit?: <T>(run: () => Promise<T>) => Promise<T>;
  /**
   * The API database's instance mappings (ApiStore.instances), kept by this cell: none (a tree with no
   * REST API: the simulator, benchmarks, some tests) keeps no mappings, the copies hold the cell anyway.
   */
  mappings?: InstanceMappings;
}

type Copy = InstanceView & { cell: string | null };

/**
 * The API cell's copy of a record, built as one literal: every copy shares one V8 hidden class, and
 * its flavor, image and empty metadata are shared (actors/objects/shared-parts.ts; `held`: the copy it
 * replaces). A spread of a decoded message gave each copy a hidden class of its own: with the parts,
 * ~1.3 KB per copy, measured on a 10,000-host simulation.
 */
function toCopy(r: InstanceView, cell: string | null, held?: Copy): Copy {
  return {
    uuid: r.uuid, displayName: r.displayName, hostname: r.hostname, projectId: r.projectId, userId: r.userId,
    vmState: r.vmState, taskState: r.taskState, powerState: r.powerState, host: r.host, node: r.node,
    availabilityZone: r.availabilityZone, imageRef: r.imageRef, keyName: r.keyName, reservationId: r.reservationId,
    launchIndex: r.launchIndex, locked: r.locked, flavor: sharedFlavor(r.flavor, held?.flavor), image: sharedImage(r.image, held?.image),
    metadata: sharedIfEmpty(r.metadata), systemMetadata: sharedIfEmpty(r.systemMetadata), extra: sharedIfEmpty(r.extra),
    version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt, launchedAt: r.launchedAt, terminatedAt: r.terminatedAt,
    deletedAt: r.deletedAt, deleted: r.deleted, fault: r.fault, cell,
  };
}

/** The requests every leaf answers with a list (merged, each item with its leaf's path). */
type ListRequest = 'list_services' | 'list_compute_nodes' | 'list_migrations';

/** The request id and the caller's context, as they travel with a request down the tree. */
function viaOf(ctx: RequestContext) {
  return { reqId: ctx.reqId, context: wireContext(ctx) };
}

/** How many token hash → cell entries the API cell remembers (a proxy's later sockets skip the broadcast). */
const TOKEN_CELL_CACHE = 10_000;

export class ApiCell implements CellsPort, PlacementBackend {
  readonly role: ParentRole;
  private readonly copies = new Map<string, Copy>();
  /** Hand-backs taken from children and not yet re-dispatched or buried (cells/tree/handbacks.ts). */
  private readonly handbacks: HandbackStore;
  /** Cross-cell resizes and cold migrations (cross-cell-migrate.ts). */
  private readonly crossCell: CrossCellMigrations;
  private readonly pending = new Map<string, CellBuildBody>();
  private readonly inFlight = new Set<string>();
  private global: SyncGlobalBody = { flavors: [], aggregates: [] };
  private timer: TimerHandle | undefined;
  private readonly listeners: Array<(c: Copy) => void> = [];
  /** Which leaf holds a console token (by hash), learnt from the first lookup; nothing secret. */
  private readonly tokenCells = new Map<string, { cell: string; expires: number }>();

  private constructor(
    private readonly o: ApiCellOptions,
    private readonly db: Db,
    private readonly writer: WriteBehind,
  ) {
    this.handbacks = new HandbackStore(writer);

    this.role = new ParentRole({
      self: o.path, bus: o.bus, children: o.children, config: o.config, clock: o.clock, writer, db, log: o.log,
      onInstanceUpdates: (u) => this.applyUpdates(u),
      onExhausted: (b, reason) => this.bury(b, reason),
      onCapacityChanged: () => undefined,
      globalData: () => (this.global.flavors.length || this.global.aggregates.length ? this.global : undefined),
      handbacks: this.handbacks,
    });
    this.crossCell = new CrossCellMigrations({
      role: this.role, writer, log: o.log, now: () => o.clock.now(),
      computeNodes: () => this.fromLeaves('list_compute_nodes'),
    });
  }

  static async start(o: ApiCellOptions): Promise<ApiCell> {
    const db = await openDb(o.db, treeMigrations, { work: o.clock.work });
    const writer = new WriteBehind(db, treeTables, (err) => o.log.error({ err }, 'API cell database write failed'), o.timeCommit);
    const cell = new ApiCell(o, db, writer);
    await cell.handbacks.load(db);
    await cell.crossCell.load(db);
    for (const r of await db('instance_copies').where({ deleted: false })) {
      cell.copies.set(r.uuid, toCopy(JSON.parse(r.record), r.cell));
    }
    for (const r of await db('pending_builds').select()) cell.pending.set(r.request_key, JSON.parse(r.build));
    if (o.mappings) await cell.reconcileMappings();
    await cell.role.start();
    cell.timer = o.clock.setInterval(() => cell.resendPending(), o.resendIntervalMs ?? 5_000);
    return cell;
  }

  async stop(): Promise<void> {
    this.o.clock.clearTimer(this.timer);
    this.role.stop();
    await this.writer.close();
    await this.db.destroy();
  }

  /**
   * Every live copy mapped, to the cell that holds it: repairs what a crash between the two databases
   * left, and fills in the cells of mappings written before this cell kept them (they were in this
   * cell's own file, whose instance_mappings table the 040 migration dropped; the copies hold the cell).
   */
  private async reconcileMappings(): Promise<void> {
    const m = this.o.mappings;
    if (!m) return;
    for (const c of this.copies.values()) {
      const known = m.get(c.uuid);
      if (!known) {
        await m.create({ uuid: c.uuid, projectId: c.projectId, userId: c.userId, cell: c.cell, attrs: {}, createdAt: c.createdAt, deletedAt: null });
      } else if (c.cell !== null && known.cell !== c.cell) {
        await m.setCell(c.uuid, c.cell);
      }
    }
  }

  /** A write of the mappings that nothing waits for (an instance update): a failure is logged. */
  private mappingWrite(uuid: string, run: Promise<void> | undefined): void {
    run?.catch((err: unknown) => this.o.log.error({ err, instance_uuid: uuid }, 'instance mapping write failed'));
  }

  /** Nova's purge: servers deleted before `before` (ms) leave memory and this cell's database. */
  async purgeDeleted(before: number): Promise<PurgeCounts> {
    for (const [uuid, c] of this.copies) if (c.deleted && (c.deletedAt ?? 0) < before) this.copies.delete(uuid);
    return purgeDeletedRows(this.db, before);
  }

  onInstanceChange(l: (c: Copy) => void): void {
    this.listeners.push(l);
  }

  /** The capacity of the whole tree as the children last reported it. */
  capacity() {
    return this.role.children.total();
  }

  /** Live (not deleted) instance copies: the cloud's servers as the API sees them. */
  *liveCopies(): IterableIterator<Copy> {
    for (const c of this.copies.values()) if (!c.deleted) yield c;
  }

  /** Throws if the API cell's database does not answer (health checks). */
  async pingDatabase(): Promise<void> {
    await this.db.raw('select 1');
  }

  /** The flavors last pushed down the tree. */
  flavorList(): readonly FlavorSpec[] {
    return this.global.flavors;
  }

  /** The whole tree for `novacell status`, each child asked within `timeoutMs`. */
  async status(timeoutMs: number): Promise<CellStatus> {
    let instances = 0;
    for (const c of this.copies.values()) if (!c.deleted) instances++;
    return { cell: this.o.path, role: 'api', capacity: this.capacity(), instances, children: await this.role.status(timeoutMs) };
  }

  setFlavors(flavors: FlavorSpec[]): Promise<void> {
    this.global = { ...this.global, flavors };
    return this.role.syncGlobal(this.global);
  }

  // --- CellsPort ---------------------------------------------------------------------------------

  async build(body: BuildInstancesBody, reqId: string): Promise<void> {
    const key = body.instances[0]!.uuid;
    if (!this.global.flavors.some((f) => f.id === body.spec.flavor.id)) {
      // A flavor made through the API since the last push: the cells count units for it from now on.
      this.global = { ...this.global, flavors: [...this.global.flavors, body.spec.flavor] };
      void this.role.syncGlobal(this.global);
    }
    // The mappings first (cells v2: before the build is scheduled), their cell unknown until a leaf has it.
    const mappings = this.o.mappings;
    if (mappings) {
      for (const n of body.instances) {
        await mappings.create({ uuid: n.uuid, projectId: body.spec.projectId, userId: body.spec.userId, cell: null, attrs: {}, createdAt: n.createdAt, deletedAt: null });
      }
    }
    for (const n of body.instances) this.saveCopy(toCopy({ ...instanceFromBuild(n, body.spec, 0), fault: null }, null));
    const build: CellBuildBody = { instances: body.instances, spec: this.withGroupHosts(body.spec), tried: [], hops: 0, reqId };
    this.pending.set(key, build);
    const createdAt = this.o.clock.now();
    // Built when the batch is written (never, on the simulator's discarding database); `build` is not changed in place.
    this.writer.upsertLazy('pending_builds', { request_key: key }, () => ({ request_key: key, build: JSON.stringify(build), child: null, created_at: createdAt }));
    await this.writer.commit();
    void this.send(key, reqId);
  }

  async get(uuid: string): Promise<InstanceView> {
    return this.live(uuid);
  }

  /** The copy of a live (not deleted) instance. */
  private live(uuid: string): Copy {
    const c = this.copies.get(uuid);
    if (!c || c.deleted) throw new InstanceNotFound(uuid);
    return c;
  }

  async list(projectId: string | undefined): Promise<InstanceRecord[]> {
    const out: InstanceRecord[] = [];
    for (const c of this.copies.values()) if (!c.deleted && (!projectId || c.projectId === projectId)) out.push(c);
    return out;
  }

  async delete(uuid: string, ctx: RequestContext): Promise<void> {
    const c = this.copies.get(uuid);
    if (!c || c.deleted) throw new InstanceNotFound(uuid);
    const key = [...this.pending.entries()].find(([, b]) => b.instances.some((i) => i.uuid === uuid))?.[0];
    if (c.cell === null && key !== undefined && !this.inFlight.has(key)) {
      // Still waiting to be sent: drop it from the build and delete it here (Nova deletes the BuildRequest).
      const b = this.pending.get(key)!;
      const rest = b.instances.filter((i) => i.uuid !== uuid);
      if (rest.length === 0) {
        this.pending.delete(key);
        this.writer.delete('pending_builds', { request_key: key });
      } else {
        this.pending.set(key, { ...b, instances: rest });
        this.writer.upsert('pending_builds', { request_key: key, build: JSON.stringify({ ...b, instances: rest }), child: null, created_at: this.o.clock.now() });
      }
      this.markDeleted(c);
      await this.writer.commit();
      return;
    }
    if (c.cell === null && c.vmState === 'error') {
      this.markDeleted(c);
      await this.writer.commit();
      return;
    }
    try {
      await this.toCell(c, 'delete_instance', { uuid }, ctx);
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
      // Not (yet) known below: delete here; should it surface later, the update is answered with a delete.
      this.markDeleted(c);
      await this.writer.commit();
    }
  }

  async powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void> {
    await this.toCell(this.live(uuid), 'instance_power_action', { uuid, action }, ctx);
  }

  async actions(uuid: string, reqId: string): Promise<InstanceAction[]> {
    const c = this.live(uuid);
    if (c.cell === null) return [];
    return this.toCell(c, 'get_instance_actions', { uuid }, reqId);
  }

  async consoleOutput(uuid: string, length: number | undefined, reqId: string): Promise<string> {
    const c = this.live(uuid);
    if (c.cell === null) return '';
    return this.toCell(c, 'get_console_output', { uuid, length }, reqId);
  }

  /**
   * An instance task for the instance's leaf. A resize or cold migration the leaf cannot place, when
   * the request allows a cross-cell move, comes back as what the move needs and continues from here;
   * confirm and revert of a cross-cell move are run from here too.
   */
  async instanceTask(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void> {
    const c = this.live(uuid);
    if ((task.kind === 'confirm_resize' || task.kind === 'revert_resize') && this.crossCell.has(uuid)) {
      return task.kind === 'confirm_resize' ? this.crossCell.confirm(uuid, viaOf(ctx)) : this.crossCell.revert(uuid, viaOf(ctx));
    }
    const r = await this.toCell(c, 'instance_task', { uuid, task, userId: ctx.userId }, ctx);
    if (c.cell && (task.kind === 'resize' || task.kind === 'migrate') && r && typeof r === 'object' && 'migration' in r) {
      await this.crossCell.start(r, c.cell, viaOf(ctx));
    }
  }

  async getDiagnostics(uuid: string, reqId: string): Promise<Diagnostics> {
    const c = this.live(uuid);
    if (c.cell === null) throw new InstanceInvalidState(`Instance ${uuid} has no host: it has no diagnostics.`);
    return this.toCell(c, 'get_diagnostics', { uuid }, reqId);
  }

  async getConsole(uuid: string, consoleType: ConsoleType, reqId: string): Promise<IssuedToken> {
    return this.toCell(this.live(uuid), 'get_console', { uuid, consoleType }, reqId);
  }

  /**
   * Find a console token by hash: asked of the leaf that answered for it before, else of every leaf
   * (the token says nothing about where it lives). Only the leaf that stored it can say yes.
   */
  async validateConsoleToken(tokenHash: string, checkPort: boolean): Promise<ConnectInfo | null> {
    const now = this.o.clock.now();
    const known = this.tokenCells.get(tokenHash);
    if (known && known.expires > now) {
      const body = { tokenHash, checkPort };
      const info = await this.role.ask('validate_console_token', body, known.cell);
      if (!info) this.tokenCells.delete(tokenHash);
      return info;
    }
    this.tokenCells.delete(tokenHash);
    const entries = await this.role.askAll('validate_console_token', { tokenHash, checkPort }, this.timeoutMs());
    for (const e of entries) {
      if (!e.ok || !e.result) continue;
      const info = e.result;
      if (this.tokenCells.size >= TOKEN_CELL_CACHE) {
        for (const [h, v] of this.tokenCells) if (v.expires <= now || this.tokenCells.size >= TOKEN_CELL_CACHE) this.tokenCells.delete(h);
      }
      this.tokenCells.set(tokenHash, { cell: e.cell, expires: info.expires });
      return info;
    }
    return null;
  }

  async syncAggregates(aggregates: AggregateWithHosts[]): Promise<void> {
    this.global = { ...this.global, aggregates };
    await this.role.syncGlobal(this.global);
  }

  /** A cross-cell move's record is in both cells (same uuid): the one of the cell the instance is mapped to is shown. */
  async listMigrations(filter: MigrationFilter): Promise<Migration[]> {
    const all = await this.fromLeaves('list_migrations', filter);
    const byUuid = new Map<string, Migration & { cell: string }>();
    for (const m of all) {
      const seen = byUuid.get(m.uuid);
      if (!seen || this.copies.get(m.instanceUuid)?.cell === m.cell) byUuid.set(m.uuid, m);
    }
    return [...byUuid.values()];
  }

  async listServices(): Promise<ServiceView[]> {
    return this.fromLeaves('list_services');
  }

  async listComputeNodes(): Promise<ComputeNodeView[]> {
    return this.fromLeaves('list_compute_nodes');
  }

  async updateService(change: ServiceUpdate): Promise<ServiceView> {
    const entries = await this.role.askAll('update_service', change, this.timeoutMs());
    const hit = entries.find((e) => e.ok);
    if (!hit || !hit.ok) throw new NotFound(`Service ${change.binary} on host ${change.host} could not be found.`);
    return { ...hit.result, cell: hit.cell };
  }

  // --- the leaves' placements (PlacementBackend) ----------------------------------------------

  /** One leaf's placement, by cell path (`placement_call` routed like any cell_request). */
  async placementCall(cell: string, op: PlacementOp, args: unknown, reqId: string): Promise<PlacementReply> {
    return this.role.ask('placement_call', { op, args }, cell, undefined, { reqId });
  }

  /** Every leaf's placement in one broadcast, merged hop by hop. */
  async placementBroadcast(op: PlacementOp, args: unknown, reqId: string): Promise<LeafReply[]> {
    void reqId;
    const entries = await this.role.askAll('placement_call', { op, args }, this.timeoutMs());
    return entries.map((e) => (e.ok ? { cell: e.cell, reply: e.result } : { cell: e.cell, error: e.error }));
  }

  // --- internals ---------------------------------------------------------------------------------

  /** Broadcast to every leaf and merge; a silent subtree is logged, not waited for forever. */
  private async fromLeaves<K extends ListRequest>(type: K, body: LeafBody<K> = {}): Promise<Array<LeafReplies[K][number] & { cell: string }>> {
    const entries = await this.role.askAll(type, body, this.timeoutMs());
    const out: Array<LeafReplies[K][number] & { cell: string }> = [];
    for (const e of entries) {
      if (e.ok) for (const x of e.result) out.push({ ...x, cell: e.cell });
      else this.o.log.warn({ cell: e.cell, err: e.error }, `${type}: cell did not answer`);
    }
    return out;
  }

  private timeoutMs(): number {
    return Math.min(10_000, this.o.config.DEFAULT.rpc_response_timeout * 1000);
  }

  /** A request for the cell that holds `c`, with the request id and the caller's context (a string: a request id alone). */
  private toCell<K extends LeafRequestType>(c: Copy, type: K, body: LeafBody<K>, ctx: RequestContext | string): Promise<LeafReplies[K]> {
    const via = typeof ctx === 'string' ? { reqId: ctx } : viaOf(ctx);
    if (c.cell) return this.role.ask(type, body, c.cell, undefined, via);
    // Sent but not yet placed: follow the route the build took.
    return this.role.ask(type, body, '', c.uuid, via);
  }

  private withGroupHosts(spec: BuildInstancesBody['spec']): BuildInstancesBody['spec'] {
    const g = spec.instanceGroup;
    if (!g) return spec;
    const hosts = new Set(g.hosts);
    for (const m of g.members) {
      const h = this.copies.get(m)?.host;
      if (h) hosts.add(h);
    }
    return { ...spec, instanceGroup: { ...g, hosts: [...hosts] } };
  }

  private async send(key: string, reqId: string): Promise<void> {
    const build = this.pending.get(key);
    if (!build || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      const r = await this.role.dispatch({ ...build, spec: this.withGroupHosts(build.spec) });
      if (r.accepted) this.dropPending(key);
      else {
        this.dropPending(key);
        this.bury({ ...build, tried: r.tried }, r.reason ?? 'no cell can host it');
      }
      await this.writer.commit();
    } catch (e) {
      // A child did not answer (its link may be down): the build stays pending and is re-sent along
      // the same route, where it is recognised if it did arrive.
      this.o.log.warn({ request_id: reqId, err: e instanceof NovaError ? e.message : String(e) }, 'build not yet accepted; will re-send');
    } finally {
      this.inFlight.delete(key);
    }
  }

  private resendPending(): void {
    for (const key of this.pending.keys()) void this.send(key, '');
  }

  private dropPending(key: string): void {
    if (this.pending.delete(key)) this.writer.delete('pending_builds', { request_key: key });
  }

  /** Nothing anywhere can take it: ERROR with a NoValidHost fault, kept at the top (Nova's cell0). */
  private bury(build: CellBuildBody, reason: string): void {
    const err = new NoValidHost(reason);
    const now = this.o.clock.now();
    for (const i of build.instances) {
      const c = this.copies.get(i.uuid);
      if (!c || c.deleted) continue;
      const fault = { code: err.code, message: err.message, details: reason, createdAt: now };
      this.saveCopy(toCopy({ ...c, vmState: 'error', taskState: null, version: c.version + 1, updatedAt: now, fault }, c.cell, c));
    }
    void this.writer.commit();
    this.o.log.warn({ reason, instances: build.instances.length }, 'build failed in every cell: NoValidHost');
  }

  private applyUpdates(updates: InstanceState[]): void {
    for (const u of updates) {
      const c = this.copies.get(u.uuid);
      if (c && u.version <= c.version && c.cell === u.cell) continue; // older news
      const rec: InstanceView = u.record;
      if (c?.deleted && !rec.deleted) {
        // Deleted here while it was still on its way: delete it where it surfaced.
        void this.role.route({ target: u.cell, hops: 0, type: 'delete_instance', body: { uuid: u.uuid } }).catch(() => undefined);
        continue;
      }
      if (!c) continue;
      const next = toCopy(rec, u.cell, c);
      if (c.cell !== u.cell) this.mappingWrite(u.uuid, this.o.mappings?.setCell(u.uuid, u.cell));
      this.saveCopy(next);
    }
  }

  private markDeleted(c: Copy): void {
    const now = this.o.clock.now();
    this.saveCopy(toCopy({ ...c, vmState: 'deleted', taskState: null, deleted: true, deletedAt: now, version: c.version + 1 }, c.cell, c));
  }

  private saveCopy(c: Copy): void {
    this.copies.set(c.uuid, c);
    // Nova's queued_for_delete: the mapping goes with the purge of deleted servers.
    if (c.deleted) this.mappingWrite(c.uuid, this.o.mappings?.markDeleted(c.uuid, c.deletedAt ?? this.o.clock.now()));
    // Copies are replaced, never changed in place: the row is built once per commit.
    this.writer.upsertLazy('instance_copies', { uuid: c.uuid }, () => ({
      uuid: c.uuid, cell: c.cell, version: c.version, project_id: c.projectId, deleted: c.deleted, record: JSON.stringify(c),
    }));
    for (const l of this.listeners) l(c);
  }
}
