/**
 * The conductor's in-memory copy of its cell's instances, actions, events and faults, written through
 * the group-commit writer. Every change bumps the instance's `version` and is announced to listeners
 * (the cell uses that to send state up the tree).
 */
import type { WriteBehind, Db } from '../../runtime/db/index.ts';
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
  private readonly actions = new Map<string, InstanceAction[]>();
  private readonly faults = new Map<string, InstanceFault>();
  private readonly listeners: InstanceListener[] = [];

  constructor(
    private readonly writer: WriteBehind,
    private readonly clock: Clock,
    private readonly rng: RandomStream,
  ) {}

  async load(db: Db): Promise<void> {
    for (const r of await db('instances').where({ deleted: false })) {
      const inst = instanceFromRow(r);
      this.instances.set(inst.uuid, inst);
    }
    const uuids = new Set(this.instances.keys());
    for (const a of await db('instance_actions').select()) {
      if (!uuids.has(a.instance_uuid)) continue;
      this.pushAction({
        id: a.id, instanceUuid: a.instance_uuid, action: a.action, requestId: a.request_id, userId: a.user_id,
        projectId: a.project_id, startTime: Number(a.start_time), finishTime: a.finish_time === null ? null : Number(a.finish_time),
        message: a.message, events: [],
      });
    }
    const byId = new Map([...this.actions.values()].flat().map((a) => [a.id, a]));
    for (const e of await db('instance_actions_events').select()) {
      byId.get(e.action_id)?.events.push({
        event: e.event, startTime: Number(e.start_time), finishTime: e.finish_time === null ? null : Number(e.finish_time),
        result: e.result, traceback: e.traceback, host: e.host,
      });
    }
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

  /** Forget an instance entirely (handed back to the parent cell before it was ever placed here). */
  purge(uuid: string): void {
    if (!this.instances.delete(uuid)) return;
    for (const a of this.actions.get(uuid) ?? []) this.writer.delete('instance_actions_events', { action_id: a.id });
    this.writer.delete('instance_actions', { instance_uuid: uuid });
    this.writer.delete('instance_faults', { instance_uuid: uuid });
    this.writer.delete('instances', { uuid });
    this.actions.delete(uuid);
    this.faults.delete(uuid);
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

  actionsOf(uuid: string): InstanceAction[] {
    return this.actions.get(uuid) ?? [];
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
