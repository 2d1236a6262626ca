/**
 * Cross-cell resize and cold migration, each leaf cell's part (nova/conductor/tasks/cross_cell_migrate.py
 * and compute/manager.py's *_snapshot_based_resize_* steps). The API cell runs the task
 * (cells/tree/cross-cell-migrate.ts) and calls these steps in the source and the target leaf:
 *
 *  - source: the move could not stay in the cell — the migration (cross_cell_move) keeps the source
 *    allocation as its consumer, the instance waits (fallback, from migrate.ts);
 *  - target: TargetDBSetupTask + PrepResizeAtDestTask — a hidden copy of the instance and of the
 *    migration, the destination chosen by this cell's scheduler and claimed for the instance;
 *  - source: PrepResizeAtSourceTask — the source host stops the guest (resize_instance);
 *  - target: FinishResizeAtDestTask — the destination host starts it (finish_resize); the copy is
 *    shown (VERIFY_RESIZE) while the source's is hidden: the mapping now names the target cell;
 *  - confirm: the source's guest, allocation and instance record go; the target's record is ACTIVE;
 *  - revert: the target's guest and claim go (its copy hidden, then deleted); the source's record is
 *    shown again and its host starts the old guest.
 *
 * A hidden instance sends no updates up the tree (cells/tree/cell-node.ts). Compute hosts' answers
 * reach these steps through waiters: a step method only sends and registers; the endpoint awaits the
 * answer outside the conductor actor (which handles one message at a time).
 */
import { BadRequest, InstanceInvalidState, InstanceNotFound, NovaError } from '../../../runtime/errors/index.ts';
import { TaskState, VmState } from '../../compute/states.ts';
import { MigrationStatus, flavorSchema, type Flavor, type Instance, type Migration } from '../../objects/index.ts';
import type { ConductorContext } from '../context.ts';
import type { InstanceRecord } from '../records.ts';
import { finishMoveAction, moveAllocations, moveInstanceHost, selectDestination, sendStep, startMoveAction } from './migration-common.ts';
import { NEW_FLAVOR, OLD_FLAVOR, OLD_VM_STATE, type StepResult } from './migrate.ts';

/** system_metadata key of a hidden instance (Nova's Instance.hidden). */
export const HIDDEN = 'cross_cell_hidden';
const SHUTDOWN = 4;

export function isHidden(inst: Pick<InstanceRecord, 'systemMetadata'>): boolean {
  return inst.systemMetadata[HIDDEN] === 'true';
}

/** What the source hands the API cell when the move must leave the cell. */
export interface CrossCellSource {
  instance: Instance;
  migration: Migration;
  flavor: Flavor;
  host: string | null;
  reason: string;
}

export interface StepOutcome {
  ok: boolean;
  error?: string;
  version: number;
}

// --- waiters: a compute host's answer to a step, awaited outside the conductor actor -----------

const waiters = new WeakMap<object, Map<string, (r: StepOutcome) => void>>();

function waitStep(ctx: ConductorContext, uuid: string, action: string): Promise<StepOutcome> {
  let byKey = waiters.get(ctx);
  if (!byKey) waiters.set(ctx, (byKey = new Map()));
  const key = `${uuid}:${action}`;
  const map = byKey;
  return new Promise((resolve) => {
    const timer = ctx.clock.setTimeout(() => {
      map.delete(key);
      resolve({ ok: false, error: `${action} was not answered in time`, version: ctx.store.get(uuid)?.version ?? 0 });
    }, ctx.config.DEFAULT.rpc_response_timeout * 1000);
    map.set(key, (r) => {
      ctx.clock.clearTimer(timer);
      map.delete(key);
      resolve(r);
    });
  });
}

function answer(ctx: ConductorContext, uuid: string, action: string, r: StepOutcome): void {
  waiters.get(ctx)?.get(`${uuid}:${action}`)?.(r);
}

// --- helpers ------------------------------------------------------------------------------------

function withoutKeys(sys: Record<string, string>, ...keys: string[]): Record<string, string> {
  const s = { ...sys };
  for (const k of keys) delete s[k];
  return s;
}

function flavorIn(inst: InstanceRecord, key: string): Flavor {
  const raw = inst.systemMetadata[key];
  return raw ? flavorSchema.parse(JSON.parse(raw)) : inst.flavor;
}

function crossCellMigration(ctx: ConductorContext, uuid: string): { inst: InstanceRecord; m: Migration } {
  const inst = ctx.store.get(uuid);
  if (!inst) throw new InstanceNotFound(uuid);
  const m = ctx.migrations.inProgressFor(uuid);
  if (!m || !m.crossCellMove) throw new InstanceInvalidState(`Instance ${uuid} has no cross-cell migration under way in this cell`);
  return { inst, m };
}

// --- source cell ----------------------------------------------------------------------------------

/**
 * The move cannot stay in the source cell and the request allows it to leave: the migration becomes
 * a cross-cell one (its uuid still holds the source allocation), the instance waits in resize_prep.
 */
export function crossCellFallback(
  ctx: ConductorContext, inst: InstanceRecord, m: Migration, flavor: Flavor, host: string | null, reason: string,
): CrossCellSource {
  const migration = ctx.migrations.update(m.id, { crossCellMove: true })!;
  const systemMetadata = {
    ...inst.systemMetadata, [OLD_FLAVOR]: JSON.stringify(inst.flavor), [NEW_FLAVOR]: JSON.stringify(flavor), [OLD_VM_STATE]: inst.vmState,
  };
  const updated = ctx.store.update(inst.uuid, { taskState: TaskState.RESIZE_PREP, systemMetadata })!;
  return { instance: { ...updated }, migration, flavor, host, reason };
}

/** No cell could take it: the source allocation returns to the instance, the record ends in error. */
export async function abortSource(ctx: ConductorContext, uuid: string, reason: string): Promise<null> {
  const { inst, m } = crossCellMigration(ctx, uuid);
  moveAllocations(ctx, m.uuid, uuid);
  ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
  ctx.store.update(uuid, { taskState: null, systemMetadata: withoutKeys(inst.systemMetadata, OLD_FLAVOR, NEW_FLAVOR, OLD_VM_STATE) });
  finishMoveAction(ctx, uuid, m.migrationType === 'resize' ? 'resize' : 'migrate', reason);
  await ctx.writer.commit();
  return null;
}

/** PrepResizeAtSourceTask: the destination is known; the source host stops the guest. */
export async function stopSource(ctx: ConductorContext, uuid: string, destHost: string, destNode: string, reqId: string) {
  const { inst, m } = crossCellMigration(ctx, uuid);
  const migration = ctx.migrations.update(m.id, { status: MigrationStatus.MIGRATING, destCompute: destHost, destNode, destHost: '127.0.0.1' })!;
  ctx.store.update(uuid, { taskState: TaskState.RESIZE_MIGRATING });
  await ctx.writer.commit();
  const done = waitStep(ctx, uuid, 'resize_instance');
  await sendStep(ctx, inst.host!, inst, { kind: 'resize_instance', peerHost: destHost }, migration, reqId, { powerOn: false });
  return { done };
}

/** The target shows the instance now: the source's record is hidden (no more updates from here). */
export async function hideSource(ctx: ConductorContext, uuid: string): Promise<{ version: number }> {
  const { inst, m } = crossCellMigration(ctx, uuid);
  ctx.migrations.update(m.id, { status: MigrationStatus.FINISHED });
  const hidden = ctx.store.update(uuid, { systemMetadata: { ...inst.systemMetadata, [HIDDEN]: 'true' } })!;
  await ctx.writer.commit();
  return { version: hidden.version };
}

/**
 * Confirm, source part (confirm_snapshot_based_resize_at_source + the source instance's deletion):
 * the migration's allocation and the stopped guest go, and so does the hidden record, without a word
 * up the tree (the target cell holds the instance now).
 */
export async function confirmSource(ctx: ConductorContext, uuid: string, reqId: string): Promise<null> {
  const { inst, m } = crossCellMigration(ctx, uuid);
  if (!isHidden(inst)) throw new InstanceInvalidState(`Instance ${uuid} is not waiting for a cross-cell confirm here`);
  ctx.placement.release(m.uuid);
  ctx.migrations.update(m.id, { status: MigrationStatus.CONFIRMED });
  if (inst.host) ctx.hostManager.removeInstance(inst.host, uuid);
  ctx.store.purge(uuid);
  await ctx.writer.commit();
  if (inst.host && ctx.serviceUp(inst.host)) {
    await sendStep(ctx, inst.host, inst, { kind: 'confirm_resize_source' }, m, reqId, { powerOn: false });
  }
  return null;
}

/** Revert, source part (finish_revert_snapshot_based_resize_at_source): shown again, started again. */
export async function revertSource(ctx: ConductorContext, uuid: string, targetVersion: number, reqId: string, userId: string | undefined) {
  const { inst, m } = crossCellMigration(ctx, uuid);
  const oldFlavor = flavorIn(inst, OLD_FLAVOR);
  const wasStopped = inst.systemMetadata[OLD_VM_STATE] === VmState.STOPPED;
  moveAllocations(ctx, m.uuid, uuid);
  ctx.migrations.update(m.id, { status: MigrationStatus.REVERTING });
  startMoveAction(ctx, inst, 'revertResize', reqId, userId);
  // Newer than anything the target sent up, so the API cell takes it as the instance's state.
  const shown = ctx.store.update(uuid, {
    version: Math.max(inst.version, targetVersion), vmState: VmState.RESIZED, taskState: TaskState.RESIZE_REVERTING,
    flavor: oldFlavor, systemMetadata: withoutKeys(inst.systemMetadata, HIDDEN),
  })!;
  await ctx.writer.commit();
  const done = waitStep(ctx, uuid, 'finish_revert_resize');
  await sendStep(ctx, inst.host!, shown, { kind: 'finish_revert_resize' }, m, reqId, { flavor: oldFlavor, powerOn: !wasStopped });
  return { done };
}

// --- target cell ----------------------------------------------------------------------------------

/**
 * TargetDBSetupTask + PrepResizeAtDestTask: a hidden copy of the instance and of the migration (same
 * uuid), then this cell's scheduler picks and claims the destination for the instance. Nothing fits:
 * the copies go and NoValidHost (400) is answered, so the API cell may try another cell.
 */
export async function prepDest(
  ctx: ConductorContext, src: Pick<CrossCellSource, 'instance' | 'migration' | 'flavor' | 'host'>,
): Promise<{ host: string; node: string }> {
  const uuid = src.instance.uuid;
  if (ctx.store.get(uuid)) throw new InstanceInvalidState(`Instance ${uuid} already exists in cell ${ctx.cell}`);
  if (src.host !== null && ctx.hostManager.nodesOf(src.host).length === 0) {
    throw new BadRequest(`Compute host ${src.host} could not be found.`);
  }
  const copy: InstanceRecord = {
    ...src.instance, host: null, node: null, systemMetadata: { ...src.instance.systemMetadata, [HIDDEN]: 'true' },
  };
  ctx.store.create(copy);
  const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = src.migration;
  void _id; void _c; void _u;
  const m = ctx.migrations.create({ ...fields, crossCellMove: true }, src.migration.uuid);
  try {
    const dest = selectDestination(ctx, copy, {
      flavor: src.flavor, host: src.host, ignoreHosts: [], checkType: src.migration.migrationType === 'resize' ? 'resize' : 'migrate',
    });
    ctx.migrations.update(m.id, { status: MigrationStatus.MIGRATING, destCompute: dest.host, destNode: dest.nodename, destHost: '127.0.0.1' });
    await ctx.writer.commit();
    ctx.log.info({ instance_uuid: uuid, dest: dest.host, migration: m.uuid }, `cross-cell ${m.migrationType}: claimed ${dest.host} in ${ctx.cell}`);
    return { host: dest.host, node: dest.nodename };
  } catch (e) {
    ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
    ctx.store.purge(uuid);
    await ctx.writer.commit();
    throw e;
  }
}

/** The task gave up after the target was prepared: the claim and the hidden copy go. */
export async function abortDest(ctx: ConductorContext, uuid: string): Promise<null> {
  const inst = ctx.store.get(uuid);
  const m = ctx.migrations.inProgressFor(uuid);
  if (!inst || !isHidden(inst)) return null;
  ctx.placement.release(uuid);
  if (m) ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
  if (inst.host) ctx.hostManager.removeInstance(inst.host, uuid);
  ctx.store.purge(uuid);
  await ctx.writer.commit();
  return null;
}

/** FinishResizeAtDestTask: the destination host starts the guest with the new flavor. */
export async function finishDest(ctx: ConductorContext, uuid: string, reqId: string) {
  const { inst, m } = crossCellMigration(ctx, uuid);
  ctx.migrations.update(m.id, { status: MigrationStatus.POST_MIGRATING });
  await ctx.writer.commit();
  const done = waitStep(ctx, uuid, 'finish_resize');
  const wasStopped = inst.systemMetadata[OLD_VM_STATE] === VmState.STOPPED;
  await sendStep(ctx, m.destCompute!, inst, { kind: 'finish_resize' }, m, reqId, { flavor: flavorIn(inst, NEW_FLAVOR), powerOn: !wasStopped });
  return { done };
}

/** The guest runs on the destination: the copy is shown (VERIFY_RESIZE), newer than the source's last state. */
export async function showDest(ctx: ConductorContext, uuid: string, sourceVersion: number, reqId: string, userId: string | undefined): Promise<null> {
  const { inst, m } = crossCellMigration(ctx, uuid);
  ctx.migrations.update(m.id, { status: MigrationStatus.FINISHED });
  moveInstanceHost(ctx, uuid, null, m.destCompute!);
  const action = m.migrationType === 'resize' ? 'resize' : 'migrate';
  ctx.store.finishAction(startMoveAction(ctx, inst, action, reqId, userId));
  ctx.store.update(uuid, {
    version: Math.max(inst.version, sourceVersion), host: m.destCompute, node: m.destNode, flavor: flavorIn(inst, NEW_FLAVOR),
    vmState: VmState.RESIZED, taskState: null, systemMetadata: withoutKeys(inst.systemMetadata, HIDDEN),
  });
  await ctx.writer.commit();
  return null;
}

/** Confirm, target part: the instance is ACTIVE (or SHUTOFF) on its new host, the record confirmed. */
export async function confirmDest(ctx: ConductorContext, uuid: string, reqId: string, userId: string | undefined): Promise<null> {
  const { inst, m } = crossCellMigration(ctx, uuid);
  const act = startMoveAction(ctx, inst, 'confirmResize', reqId, userId);
  const vmState = inst.systemMetadata[OLD_VM_STATE] === VmState.STOPPED ? VmState.STOPPED : VmState.ACTIVE;
  ctx.store.update(uuid, { vmState, taskState: null, systemMetadata: withoutKeys(inst.systemMetadata, OLD_FLAVOR, NEW_FLAVOR, OLD_VM_STATE) });
  ctx.migrations.update(m.id, { status: MigrationStatus.CONFIRMED });
  ctx.store.finishAction(act);
  await ctx.writer.commit();
  return null;
}

/**
 * Revert, target part (revert_snapshot_based_resize_at_dest): the instance says resize_reverting, is
 * hidden, and the destination host deletes the guest; its claim goes when the host answered.
 */
export async function revertDest(ctx: ConductorContext, uuid: string, reqId: string) {
  const { inst, m } = crossCellMigration(ctx, uuid);
  if (inst.vmState !== VmState.RESIZED || inst.taskState !== null) {
    throw new InstanceInvalidState(`Cannot 'revertResize' instance ${uuid} while it is in vm_state ${inst.vmState}`);
  }
  ctx.migrations.update(m.id, { status: MigrationStatus.REVERTING });
  ctx.store.update(uuid, { taskState: TaskState.RESIZE_REVERTING });
  ctx.store.update(uuid, { systemMetadata: { ...ctx.store.get(uuid)!.systemMetadata, [HIDDEN]: 'true' } });
  await ctx.writer.commit();
  const done = waitStep(ctx, uuid, 'revert_resize_dest');
  await sendStep(ctx, m.destCompute!, inst, { kind: 'revert_resize_dest' }, m, reqId, { powerOn: false });
  return { done };
}

/** After a revert: the target's hidden copy is deleted (Nova destroys the target cell's instance). */
export async function purgeDest(ctx: ConductorContext, uuid: string): Promise<null> {
  const inst = ctx.store.get(uuid);
  if (!inst || !isHidden(inst)) return null;
  if (inst.host) ctx.hostManager.removeInstance(inst.host, uuid);
  ctx.store.purge(uuid);
  await ctx.writer.commit();
  return null;
}

// --- compute hosts' answers -------------------------------------------------------------------------

/** A compute host answered a step of a cross-cell move: record it and wake the step waiting for it. */
export async function onCrossCellStep(ctx: ConductorContext, m: Migration, inst: InstanceRecord, r: StepResult): Promise<void> {
  const expected: Record<string, string | null> = {
    resize_instance: m.sourceCompute, finish_resize: m.destCompute, revert_resize_dest: m.destCompute, finish_revert_resize: m.sourceCompute,
  };
  if (!(r.action in expected) || expected[r.action] !== r.host) return;
  if (!r.ok) ctx.store.addFault(inst.uuid, 500, r.error ?? `${r.action} failed`, '', r.host);
  switch (r.action) {
    case 'resize_instance':
      if (r.ok) ctx.migrations.update(m.id, { status: MigrationStatus.POST_MIGRATING });
      ctx.store.update(inst.uuid, r.ok ? { powerState: r.powerState } : { taskState: null, powerState: r.powerState });
      break;
    case 'finish_resize':
      ctx.store.update(inst.uuid, { powerState: r.powerState });
      break;
    case 'revert_resize_dest':
      if (r.ok) {
        ctx.placement.release(inst.uuid);
        ctx.migrations.update(m.id, { status: MigrationStatus.REVERTED });
      }
      break;
    case 'finish_revert_resize':
      if (r.ok) {
        ctx.store.update(inst.uuid, {
          vmState: r.powerState === SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE, taskState: null, powerState: r.powerState,
          systemMetadata: withoutKeys(inst.systemMetadata, OLD_FLAVOR, NEW_FLAVOR, OLD_VM_STATE),
        });
        ctx.migrations.update(m.id, { status: MigrationStatus.REVERTED });
        finishMoveAction(ctx, inst.uuid, 'revertResize');
      } else {
        ctx.store.update(inst.uuid, { vmState: VmState.ERROR, taskState: null, powerState: r.powerState });
        finishMoveAction(ctx, inst.uuid, 'revertResize', r.error ?? 'Error');
      }
      break;
  }
  await ctx.writer.commit();
  answer(ctx, inst.uuid, r.action, { ok: r.ok, ...(r.error ? { error: r.error } : {}), version: ctx.store.get(inst.uuid)?.version ?? 0 });
}

/** A step's failure as the error the API cell's task sees. */
export function stepFailed(what: string, r: StepOutcome): NovaError {
  return new NovaError(`${what} failed: ${r.error ?? 'unknown error'}`);
}
