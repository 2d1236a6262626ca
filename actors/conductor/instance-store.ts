/**
 * The conductor's in-memory copy of its cell's instances, their open actions (with events) and faults,
 * written through the group-commit writer. Every change bumps the instance's `version` and is announced
 * to listeners (the cell uses that to send state up the tree). A finished action stays in memory only
 * until its rows are committed; after that it is read from the cell database when asked for (as Nova
 * reads instance_actions), so memory holds what is under way, not every instance's whole history.
 */
import type { WriteBehind, Db } from '../../runtime/db/index.ts';
import { discards } from '../../runtime/db/discard.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import { instanceFromRow, instanceToRow, type InstanceFault, type InstanceRecord } from './records.ts';

export interface InstanceActionEvent {
  event: string;
  startTime: number;
  finishTime: number | null;
  result: string | null;
  traceback: string | null;
  host: string | null;
}

export interface InstanceAction {
  id: string;
  instanceUuid: string;
  action: string;
  requestId: string;
  userId: string;
  projectId: string;
  startTime: number;
  finishTime: number | null;
  message: string | null;
  events: InstanceActionEvent[];
}

export type InstanceListener = (inst: InstanceRecord) => void;

export class InstanceStore {
  private readonly instances = new Map<string, InstanceRecord>();
  /** Per instance, its open actions and the finished ones whose rows are not yet committed. */
  private readonly actions = new Map<string, InstanceAction[]>();
  private readonly faults = new Map<string, InstanceFault>();
  private readonly listeners: InstanceListener[] = [];
  /** Resolves when every purge so far has queued the deletes of its instance's finished actions. */
  purged: Promise<void> = Promise.resolve();

  constructor(
    private readonly writer: WriteBehind,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly rng: RandomStream,
  ) {}

  async load(): Promise<void> {
    const db = this.db;
    for (const r of await db('instances').where({ deleted: false })) {
      const inst = instanceFromRow(r);
      this.instances.set(inst.uuid, inst);
    }
    const uuids = new Set(this.instances.keys());
    // Only the actions still under way: finished ones are read from the database when asked for.
    const open = (await db('instance_actions').whereNull('finish_time').select()).filter((a) => uuids.has(a.instance_uuid)).map(actionFromRow);
    await this.withEvents(open);
    for (const a of open) this.pushAction(a);
    for (const f of await db('instance_faults').select()) {
      if (!uuids.has(f.instance_uuid)) continue;
      this.faults.set(f.instance_uuid, {
        id: f.id, instanceUuid: f.instance_uuid, code: f.code, message: f.message, details: f.details, host: f.host,
        createdAt: Number(f.created_at),
      });
    }
  }

  onChange(l: InstanceListener): void {
    this.listeners.push(l);
  }

  get(uuid: string): InstanceRecord | undefined {
    return this.instances.get(uuid);
  }

  all(): IterableIterator<InstanceRecord> {
    return this.instances.values();
  }

  size(): number {
    return this.instances.size;
  }

  /** Add a new instance (version 1). */
  create(inst: InstanceRecord): void {
    inst.version = Math.max(1, inst.version);
    this.instances.set(inst.uuid, inst);
    this.persist(inst);
  }

  /** Apply a change to an instance, bump its version and persist it. */
  update(uuid: string, patch: Partial<InstanceRecord>): InstanceRecord | undefined {
    const inst = this.instances.get(uuid);
    if (!inst) return undefined;
    Object.assign(inst, patch);
    inst.version++;
    inst.updatedAt = this.clock.now();
    this.persist(inst);
    if (inst.deleted) {
      // Deleted rows stay in the database (Nova's soft delete); memory keeps only live instances.
      this.instances.delete(uuid);
      this.actions.delete(uuid);
      this.faults.delete(uuid);
    }
    return inst;
  }

  /**
   * Forget an instance entirely (handed back to the parent cell before it was ever placed here, or moved
   * to another cell). The rows of its finished actions are deleted once a query has found them (they are
   * never written again: a new action gets a new id); `purged` resolves when those deletes are queued.
   */
  purge(uuid: string): void {
    if (!this.instances.delete(uuid)) return;
    const inMemory = new Set<string>();
    for (const a of this.actions.get(uuid) ?? []) {
      inMemory.add(a.id);
      this.deleteActionRows(a.id);
    }
    this.writer.delete('instance_faults', { instance_uuid: uuid });
    this.writer.delete('instances', { uuid });
    this.actions.delete(uuid);
    this.faults.delete(uuid);
    if (discards(this.db)) return;
    const found = this.db('instance_actions').where({ instance_uuid: uuid }).select('id').then(
      (rows) => { for (const r of rows) if (!inMemory.has(String(r.id))) this.deleteActionRows(String(r.id)); },
      () => undefined, // the rows stay until the periodic purge of deleted rows; the instance is gone either way
    );
    this.purged = Promise.all([this.purged, found]).then(() => undefined);
  }

  startAction(uuid: string, action: string, requestId: string, userId: string, projectId: string): InstanceAction {
    const a: InstanceAction = {
      id: this.rng.uuid4(), instanceUuid: uuid, action, requestId, userId, projectId,
      startTime: this.clock.now(), finishTime: null, message: null, events: [],
    };
    this.pushAction(a);
    this.persistAction(a);
    return a;
  }

  /** The newest action of the given name on an instance. */
  lastAction(uuid: string, action?: string): InstanceAction | undefined {
    const list = this.actions.get(uuid) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (!action || list[i]!.action === action) return list[i];
    return undefined;
  }

  /**
   * Every action of an instance, oldest first: the finished ones from the database, the rest (and any
   * finished one not yet committed) from memory. Memory is read first: an action it no longer holds was
   * committed before the query starts.
   */
  async actionsOf(uuid: string): Promise<InstanceAction[]> {
    const inMemory = [...(this.actions.get(uuid) ?? [])];
    if (discards(this.db)) return inMemory;
    const held = new Set(inMemory.map((a) => a.id));
    const stored = (await this.db('instance_actions').where({ instance_uuid: uuid }).select()).filter((r) => !held.has(String(r.id))).map(actionFromRow);
    await this.withEvents(stored);
    return [...stored, ...inMemory].sort((a, b) => a.startTime - b.startTime);
  }

  eventStart(a: InstanceAction, event: string, host: string | null, at = this.clock.now()): InstanceActionEvent {
    const e: InstanceActionEvent = { event, startTime: at, finishTime: null, result: null, traceback: null, host };
    a.events.push(e);
    this.persistEvent(a, e);
    return e;
  }

  eventFinish(a: InstanceAction, event: string, result: 'Success' | 'Error', traceback: string | null = null, at = this.clock.now()): void {
    let e = [...a.events].reverse().find((x) => x.event === event && x.finishTime === null);
    if (!e) e = this.eventStart(a, event, null, at);
    e.finishTime = at;
    e.result = result;
    e.traceback = traceback;
    this.persistEvent(a, e);
  }

  finishAction(a: InstanceAction, message: string | null = null): void {
    a.finishTime = this.clock.now();
    a.message = message;
    this.persistAction(a);
    // Memory lets go of it once its rows are in the database (if that commit fails, memory keeps it).
    this.writer.commit().then(() => this.settle(a), () => undefined);
  }

  addFault(uuid: string, code: number, message: string, details: string, host: string | null): InstanceFault {
    const f: InstanceFault = { id: this.rng.uuid4(), instanceUuid: uuid, code, message, details, host, createdAt: this.clock.now() };
    this.faults.set(uuid, f);
    this.writer.insert('instance_faults', {
      id: f.id, instance_uuid: uuid, code, message, details, host, created_at: f.createdAt,
    });
    return f;
  }

  faultOf(uuid: string): InstanceFault | undefined {
    return this.faults.get(uuid);
  }

  /** Drop a finished action from memory (unless its instance was deleted or purged meanwhile). */
  private settle(a: InstanceAction): void {
    const list = this.actions.get(a.instanceUuid);
    const i = list?.indexOf(a) ?? -1;
    if (!list || i < 0 || a.finishTime === null) return;
    list.splice(i, 1);
    if (list.length === 0) this.actions.delete(a.instanceUuid);
  }

  private deleteActionRows(id: string): void {
    this.writer.delete('instance_actions_events', { action_id: id });
    this.writer.delete('instance_actions', { id });
  }

  /**
   * Fill in the events of actions read from the database, in the order they were added: by start, then
   * (two events of one millisecond, the second started as the first finished) by finish, open ones last.
   */
  private async withEvents(actions: InstanceAction[]): Promise<void> {
    if (actions.length === 0) return;
    const byId = new Map(actions.map((a) => [a.id, a]));
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      for (const e of await this.db('instance_actions_events').whereIn('action_id', ids.slice(i, i + 500))) {
        byId.get(String(e.action_id))?.events.push({
          event: e.event, startTime: Number(e.start_time), finishTime: e.finish_time === null ? null : Number(e.finish_time),
          result: e.result, traceback: e.traceback, host: e.host,
        });
      }
    }
    const end = (e: InstanceActionEvent) => e.finishTime ?? Infinity;
    for (const a of actions) a.events.sort((x, y) => x.startTime - y.startTime || end(x) - end(y));
  }

  private pushAction(a: InstanceAction): void {
    const list = this.actions.get(a.instanceUuid);
    if (list) list.push(a);
    else this.actions.set(a.instanceUuid, [a]);
  }

  private persist(inst: InstanceRecord): void {
    // The record is updated in place: the row is built once per commit, from its state at that time.
    this.writer.upsertLazy('instances', { uuid: inst.uuid }, () => instanceToRow(inst));
    for (const l of this.listeners) l(inst);
  }

  private persistAction(a: InstanceAction): void {
    this.writer.upsert('instance_actions', {
      id: a.id, instance_uuid: a.instanceUuid, action: a.action, request_id: a.requestId, user_id: a.userId,
      project_id: a.projectId, start_time: a.startTime, finish_time: a.finishTime, message: a.message,
    });
  }

  private persistEvent(a: InstanceAction, e: InstanceActionEvent): void {
    this.writer.upsert('instance_actions_events', {
      id: `${a.id}:${e.event}:${e.startTime}`, action_id: a.id, event: e.event, start_time: e.startTime,
      finish_time: e.finishTime, result: e.result, traceback: e.traceback, host: e.host,
    });
  }
}

function actionFromRow(a: Record<string, unknown>): InstanceAction {
  return {
    id: String(a.id), instanceUuid: String(a.instance_uuid), action: String(a.action), requestId: String(a.request_id),
    userId: a.user_id as string, projectId: a.project_id as string, startTime: Number(a.start_time),
    finishTime: a.finish_time === null || a.finish_time === undefined ? null : Number(a.finish_time),
    message: (a.message ?? null) as string | null, events: [],
  };
}
