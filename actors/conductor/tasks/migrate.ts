/**
 * Cold migration and resize (nova/conductor/tasks/migrate.py, compute/manager.py prep_resize …
 * finish_revert_resize): the source allocation goes to the migration's uuid, the destination is
 * chosen and claimed for the instance; the source stops the guest (resize_instance), the destination
 * starts it with the new flavor (finish_resize) and the instance waits in VERIFY_RESIZE (vm_state
 * resized). Confirm drops the source allocation and the source guest; revert drops the destination
 * guest and claim, gives the source allocation back to the instance and starts it there again.
 * Resizing stays on the source when [DEFAULT] allow_resize_to_same_host allows it and it fits.
 */
import { BadRequest, InstanceInvalidState, NovaError } from '../../../runtime/errors/index.ts';
import { TaskState, VmState } from '../../compute/states.ts';
import { MigrationStatus, flavorSchema, type Flavor, type Migration } from '../../objects/index.ts';
import type { ConductorContext } from '../context.ts';
import type { InstanceTaskBody } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';
import {
  checkHostExists, checkMoveState, finishMoveAction, moveAllocations, moveInstanceHost, providerOf, releaseOn, selectDestination,
  sendStep, startMoveAction,
} from './migration-common.ts';
import { crossCellFallback, type CrossCellSource } from './cross-cell.ts';

const SHUTDOWN = 4;
export const OLD_FLAVOR = 'old_flavor';
export const NEW_FLAVOR = 'new_flavor';
export const OLD_VM_STATE = 'old_vm_state';

function actionOf(m: Migration): string {
  return m.migrationType === 'resize' ? 'resize' : 'migrate';
}

/** resize or migrate: schedule, claim, hand the source allocation to the migration, stop the source guest. */
export async function coldMigrate(
  ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, reqId: string, newFlavor: Flavor | null, host: string | null,
): Promise<CrossCellSource | undefined> {
  const resize = newFlavor !== null;
  const action = resize ? 'resize' : 'migrate';
  // The caller may move it to another cell (compute:servers:resize:cross_cell) and this is a tree leaf.
  const crossCell = 'crossCell' in body.task && body.task.crossCell === true && ctx.handBack !== undefined;
  checkMoveState(inst, action, [VmState.ACTIVE, VmState.STOPPED]);
  const hostHere = host === null || ctx.hostManager.nodesOf(host).length > 0;
  if (host !== null) {
    if (host === inst.host) throw new InstanceInvalidState(`Unable to migrate instance (${inst.uuid}) to current host (${host}).`);
    if (!crossCell) checkHostExists(ctx, host);
  }
  const flavor = newFlavor ?? inst.flavor;
  const source = inst.host!;
  const act = startMoveAction(ctx, inst, action, reqId, body.userId);
  const m = ctx.migrations.create({
    instanceUuid: inst.uuid, migrationType: resize ? 'resize' : 'migration', status: MigrationStatus.PRE_MIGRATING,
    sourceCompute: source, sourceNode: inst.node, destCompute: null, destNode: null, destHost: null,
    oldFlavorId: inst.flavor.id, newFlavorId: flavor.id, projectId: inst.projectId, userId: body.userId ?? inst.userId,
  });
  moveAllocations(ctx, inst.uuid, m.uuid);
  const sameHost = resize && host === null && ctx.config.DEFAULT.allow_resize_to_same_host;
  let dest;
  try {
    if (!hostHere) throw new BadRequest(`Compute host ${host} is not in cell ${ctx.cell}.`);
    dest = sameHost ? trySameHost(ctx, inst, flavor) : undefined;
    dest ??= selectDestination(ctx, inst, { flavor, host, ignoreHosts: sameHost ? [] : [source], checkType: resize ? 'resize' : 'migrate' });
  } catch (e) {
    if (crossCell && e instanceof NovaError) {
      // Nova's MigrationTask hands over to CrossCellMigrationTask: the API cell looks for another cell.
      const src = crossCellFallback(ctx, inst, m, flavor, host, e.message);
      await ctx.writer.commit();
      ctx.log.info({ request_id: reqId, instance_uuid: inst.uuid, migration: m.uuid, reason: e.message }, `${action}: not in ${ctx.cell}; cross-cell`);
      return src;
    }
    moveAllocations(ctx, m.uuid, inst.uuid);
    ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
    ctx.store.finishAction(act, e instanceof NovaError ? e.message : 'Error');
    await ctx.writer.commit();
    throw e;
  }
  ctx.migrations.update(m.id, { status: MigrationStatus.MIGRATING, destCompute: dest.host, destNode: dest.nodename, destHost: '127.0.0.1' });
  const systemMetadata = {
    ...inst.systemMetadata, [OLD_FLAVOR]: JSON.stringify(inst.flavor), [NEW_FLAVOR]: JSON.stringify(flavor), [OLD_VM_STATE]: inst.vmState,
  };
  ctx.store.update(inst.uuid, { taskState: TaskState.RESIZE_MIGRATING, systemMetadata });
  await ctx.writer.commit();
  ctx.log.info({ request_id: reqId, instance_uuid: inst.uuid, source, dest: dest.host, migration: m.id }, `${action}: ${source} → ${dest.host}`);
  await sendStep(ctx, source, inst, { kind: 'resize_instance', peerHost: dest.host }, m, reqId, { powerOn: false });
  return undefined;
}

/** The source host itself, when the new flavor fits beside the old one there (both are held until confirm). */
function trySameHost(ctx: ConductorContext, inst: InstanceRecord, flavor: Flavor) {
  const node = ctx.hostManager.nodesOf(inst.host!)[0];
  if (!node) return undefined;
  try {
    return selectDestination(ctx, inst, { flavor, host: inst.host, ignoreHosts: [], checkType: 'resize' });
  } catch {
    return undefined;
  }
}

function flavorIn(inst: InstanceRecord, key: string): Flavor | null {
  const raw = inst.systemMetadata[key];
  return raw ? flavorSchema.parse(JSON.parse(raw)) : null;
}

function withoutResizeKeys(inst: InstanceRecord): Record<string, string> {
  const s = { ...inst.systemMetadata };
  delete s[OLD_FLAVOR];
  delete s[NEW_FLAVOR];
  delete s[OLD_VM_STATE];
  return s;
}

function resizedMigration(ctx: ConductorContext, inst: InstanceRecord, what: string): Migration {
  const m = ctx.migrations.inProgressFor(inst.uuid);
  // A cross-cell move is confirmed or reverted by the API cell's task (tasks/cross-cell.ts), not here.
  if (inst.vmState !== VmState.RESIZED || inst.taskState !== null || !m || m.status !== MigrationStatus.FINISHED || m.crossCellMove) {
    throw new InstanceInvalidState(`Cannot '${what}' instance ${inst.uuid} while it is in vm_state ${inst.vmState}`);
  }
  return m;
}

/**
 * confirmResize: the source allocation (held by the migration) and the source guest go. As in Nova the
 * migration stays `confirming` until the source host has removed its guest (then `confirmed`, or
 * `error` if it could not); a resize on the same host has nothing to clean up and is confirmed at once.
 */
export async function confirmResize(ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, reqId: string): Promise<void> {
  const m = resizedMigration(ctx, inst, 'confirmResize');
  const act = startMoveAction(ctx, inst, 'confirmResize', reqId, body.userId);
  ctx.placement.release(m.uuid);
  const vmState = inst.systemMetadata[OLD_VM_STATE] === VmState.STOPPED ? VmState.STOPPED : VmState.ACTIVE;
  ctx.store.update(inst.uuid, { vmState, taskState: null, systemMetadata: withoutResizeKeys(inst) });
  const cleanUp = m.sourceCompute !== null && m.sourceCompute !== m.destCompute;
  ctx.migrations.update(m.id, { status: cleanUp ? MigrationStatus.CONFIRMING : MigrationStatus.CONFIRMED });
  ctx.store.finishAction(act);
  await ctx.writer.commit();
  if (cleanUp) await sendStep(ctx, m.sourceCompute!, inst, { kind: 'confirm_resize_source' }, m, reqId, { powerOn: false });
}

/** revertResize: the destination guest goes first (revert_resize), then the source comes back (finish_revert_resize). */
export async function revertResize(ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, reqId: string): Promise<void> {
  const m = resizedMigration(ctx, inst, 'revertResize');
  startMoveAction(ctx, inst, 'revertResize', reqId, body.userId);
  ctx.migrations.update(m.id, { status: MigrationStatus.REVERTING });
  ctx.store.update(inst.uuid, { taskState: TaskState.RESIZE_REVERTING });
  await ctx.writer.commit();
  await sendStep(ctx, m.destCompute!, inst, { kind: 'revert_resize_dest' }, m, reqId, { powerOn: false });
}

/** A compute host finished a step of a cold migration or resize. */
export async function onColdStep(ctx: ConductorContext, m: Migration, inst: InstanceRecord, r: StepResult, reqId: string): Promise<void> {
  const oldFlavor = flavorIn(inst, OLD_FLAVOR) ?? inst.flavor;
  const newFlavor = flavorIn(inst, NEW_FLAVOR) ?? inst.flavor;
  const wasStopped = inst.systemMetadata[OLD_VM_STATE] === VmState.STOPPED;
  switch (r.action) {
    case 'resize_instance':
      if (r.host !== m.sourceCompute) return;
      if (!r.ok) return failCold(ctx, m, inst, r, 'revert');
      ctx.migrations.update(m.id, { status: MigrationStatus.POST_MIGRATING });
      await ctx.writer.commit();
      return sendStep(ctx, m.destCompute!, inst, { kind: 'finish_resize' }, m, reqId, { flavor: newFlavor, powerOn: !wasStopped });
    case 'finish_resize':
      if (r.host !== m.destCompute) return;
      if (!r.ok) return failCold(ctx, m, inst, r, 'error');
      moveInstanceHost(ctx, inst.uuid, inst.host, m.destCompute!);
      ctx.store.update(inst.uuid, {
        host: m.destCompute, node: m.destNode, flavor: newFlavor, vmState: VmState.RESIZED, taskState: null, powerState: r.powerState,
      });
      ctx.migrations.update(m.id, { status: MigrationStatus.FINISHED });
      finishMoveAction(ctx, inst.uuid, actionOf(m));
      await ctx.writer.commit();
      return;
    case 'revert_resize_dest': {
      if (r.host !== m.destCompute) return;
      if (!r.ok) return failCold(ctx, m, inst, r, 'error', 'revertResize');
      // The destination claim goes; the migration's (the source's) comes back to the instance.
      ctx.placement.release(inst.uuid);
      moveAllocations(ctx, m.uuid, inst.uuid);
      moveInstanceHost(ctx, inst.uuid, inst.host, m.sourceCompute!);
      ctx.store.update(inst.uuid, { host: m.sourceCompute, node: m.sourceNode, flavor: oldFlavor });
      await ctx.writer.commit();
      return sendStep(ctx, m.sourceCompute!, inst, { kind: 'finish_revert_resize' }, m, reqId, { flavor: oldFlavor, powerOn: !wasStopped });
    }
    case 'confirm_resize_source':
      if (r.host !== m.sourceCompute || m.status !== MigrationStatus.CONFIRMING) return;
      if (!r.ok) ctx.log.warn({ instance_uuid: inst.uuid, host: r.host, migration: m.uuid, err: r.error }, 'the source host could not remove the confirmed resize\'s guest');
      ctx.migrations.update(m.id, { status: r.ok ? MigrationStatus.CONFIRMED : MigrationStatus.ERROR });
      await ctx.writer.commit();
      return;
    case 'finish_revert_resize':
      if (r.host !== m.sourceCompute) return;
      if (!r.ok) return failCold(ctx, m, inst, r, 'error', 'revertResize');
      ctx.store.update(inst.uuid, {
        vmState: r.powerState === SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE, taskState: null, powerState: r.powerState,
        systemMetadata: withoutResizeKeys(inst),
      });
      ctx.migrations.update(m.id, { status: MigrationStatus.REVERTED });
      finishMoveAction(ctx, inst.uuid, 'revertResize');
      await ctx.writer.commit();
      return;
    default:
      return;
  }
}

export interface StepResult {
  action: string;
  host: string;
  ok: boolean;
  powerState: number;
  error?: string;
}

/**
 * A failed step. Before the guest left the source ('revert'): claims go back as they were and the
 * instance stays where it is. Later ('error'): Nova leaves the instance in ERROR for an operator.
 */
async function failCold(
  ctx: ConductorContext, m: Migration, inst: InstanceRecord, r: StepResult, mode: 'revert' | 'error', action = actionOf(m),
): Promise<void> {
  const message = r.error ?? `${r.action} failed`;
  ctx.store.addFault(inst.uuid, 500, message, '', r.host);
  if (mode === 'revert') {
    releaseOn(ctx, inst.uuid, providerOf(ctx, m.destCompute));
    moveAllocations(ctx, m.uuid, inst.uuid);
    ctx.store.update(inst.uuid, { taskState: null, powerState: r.powerState, systemMetadata: withoutResizeKeys(inst) });
  } else {
    ctx.store.update(inst.uuid, { vmState: VmState.ERROR, taskState: null, powerState: r.powerState });
  }
  ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
  finishMoveAction(ctx, inst.uuid, action, message);
  await ctx.writer.commit();
}
