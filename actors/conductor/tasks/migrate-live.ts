/**
 * Live migration (nova/conductor/tasks/live_migrate.py, compute/manager.py): the destination is
 * chosen (or the named host checked by the filters) and claimed for the instance, the source
 * allocation goes to the migration; the destination prepares (pre_live_migration, a call that says
 * where to send the guest), the source sends the running guest (live_migration), the destination
 * takes it over (post_live_migration_at_destination) and the source allocation is dropped. Abort
 * (DELETE /servers/{id}/migrations/{mid}) and force-complete act on the source while it runs.
 */
import { BadRequest, Conflict, NovaError } from '../../../runtime/errors/index.ts';
import { VmState } from '../../compute/states.ts';
import { MigrationStatus, type Migration } from '../../objects/index.ts';
import type { ConductorContext } from '../context.ts';
import type { InstanceTask, InstanceTaskBody, MigrationProgressBody } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';
import type { StepResult } from './migrate.ts';
import {
  checkHostExists, checkMoveState, finishMoveAction, moveAllocations, moveInstanceHost, providerOf, releaseOn, selectDestination,
  sendLiveControl, sendStep, spawnInstanceOf, startMoveAction,
} from './migration-common.ts';

const MIGRATING = 'migrating';
const ACTION = 'live-migration';
const MIB = 1024 * 1024;

export async function liveMigrate(
  ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, reqId: string, host: string | null,
): Promise<void> {
  checkMoveState(inst, 'os-migrateLive', [VmState.ACTIVE, VmState.PAUSED]);
  const source = inst.host!;
  if (host !== null) {
    if (host === source) throw new BadRequest(`Unable to migrate instance (${inst.uuid}) to current host (${host}).`);
    checkHostExists(ctx, host);
  }
  const act = startMoveAction(ctx, inst, ACTION, reqId, body.userId);
  const m = ctx.migrations.create({
    instanceUuid: inst.uuid, migrationType: 'live-migration', status: MigrationStatus.QUEUED,
    sourceCompute: source, sourceNode: inst.node, destCompute: null, destNode: null, destHost: null,
    oldFlavorId: inst.flavor.id, newFlavorId: inst.flavor.id, projectId: inst.projectId, userId: body.userId ?? inst.userId,
  });
  moveAllocations(ctx, inst.uuid, m.uuid);
  let dest;
  try {
    dest = selectDestination(ctx, inst, { flavor: inst.flavor, host, ignoreHosts: [source], checkType: 'live_migrate' });
  } catch (e) {
    moveAllocations(ctx, m.uuid, inst.uuid);
    ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
    ctx.store.finishAction(act, e instanceof NovaError ? e.message : 'Error');
    await ctx.writer.commit();
    throw e;
  }
  const memoryTotalBytes = inst.flavor.memoryMb * MIB;
  ctx.migrations.update(m.id, {
    status: MigrationStatus.PREPARING, destCompute: dest.host, destNode: dest.nodename, destHost: '127.0.0.1',
    memoryTotalBytes, memoryProcessedBytes: 0, memoryRemainingBytes: memoryTotalBytes, diskTotalBytes: 0, diskProcessedBytes: 0, diskRemainingBytes: 0,
  });
  ctx.store.update(inst.uuid, { taskState: MIGRATING });
  await ctx.writer.commit();
  ctx.log.info({ request_id: reqId, instance_uuid: inst.uuid, source, dest: dest.host, migration: m.id }, `live migration: ${source} → ${dest.host}`);
  // pre_live_migration is a call, as in Nova; the conductor goes on while the transfer runs.
  void prepareAndSend(ctx, inst.uuid, m.id, reqId);
}

async function prepareAndSend(ctx: ConductorContext, uuid: string, id: number, reqId: string): Promise<void> {
  let inst = ctx.store.get(uuid);
  const m = ctx.migrations.get(id);
  if (!inst || !m) return;
  let migrateUri: string | null = null;
  try {
    const answer = await ctx.bus.call<{ migrateUri: string | null }>(ctx.computeTopic(m.destCompute!), {
      type: 'compute_pre_live_migration', reqId, body: { uuid, instance: spawnInstanceOf(inst), migrationId: id },
    });
    migrateUri = answer.migrateUri;
  } catch (e) {
    inst = ctx.store.get(uuid);
    if (inst) await rollback(ctx, ctx.migrations.get(id)!, inst, e instanceof Error ? e.message : String(e), MigrationStatus.ERROR, false);
    return;
  }
  inst = ctx.store.get(uuid);
  const now = ctx.migrations.get(id);
  if (!inst || !now || now.status !== MigrationStatus.PREPARING) return;
  ctx.migrations.update(id, { status: MigrationStatus.RUNNING });
  await ctx.writer.commit();
  await sendStep(ctx, m.sourceCompute!, inst, { kind: 'live_migration', peerHost: m.destCompute!, migrateUri: migrateUri ?? undefined }, now, reqId, {
    powerOn: true,
  });
}

/** The source or destination finished its part. */
export async function onLiveStep(ctx: ConductorContext, m: Migration, inst: InstanceRecord, r: StepResult, reqId: string): Promise<void> {
  switch (r.action) {
    case 'live_migration':
      if (r.host !== m.sourceCompute) return;
      if (!r.ok) {
        const cancelled = m.status === MigrationStatus.CANCELLING;
        return rollback(ctx, m, inst, r.error ?? 'live migration failed', cancelled ? MigrationStatus.CANCELLED : MigrationStatus.FAILED, true);
      }
      ctx.migrations.update(m.id, {
        status: MigrationStatus.POST_MIGRATING, memoryProcessedBytes: m.memoryTotalBytes, memoryRemainingBytes: 0,
        diskProcessedBytes: m.diskTotalBytes, diskRemainingBytes: 0,
      });
      await ctx.writer.commit();
      return sendStep(ctx, m.destCompute!, inst, { kind: 'post_live_migration_at_destination', peerHost: m.sourceCompute! }, m, reqId, {
        powerOn: inst.vmState !== VmState.PAUSED,
      });
    case 'post_live_migration_at_destination':
      if (r.host !== m.destCompute) return;
      // The source's allocation (held by the migration) goes; the instance's claim on the destination stays.
      ctx.placement.release(m.uuid);
      moveInstanceHost(ctx, inst.uuid, inst.host, m.destCompute!);
      ctx.store.update(inst.uuid, { host: m.destCompute, node: m.destNode, taskState: null, powerState: r.powerState });
      if (!r.ok) {
        ctx.store.addFault(inst.uuid, 500, r.error ?? 'post_live_migration_at_destination failed', '', r.host);
        ctx.store.update(inst.uuid, { vmState: VmState.ERROR });
      }
      ctx.migrations.update(m.id, { status: r.ok ? MigrationStatus.COMPLETED : MigrationStatus.ERROR });
      finishMoveAction(ctx, inst.uuid, ACTION, r.ok ? null : (r.error ?? 'Error'));
      await ctx.writer.commit();
      return;
    default:
      return;
  }
}

/** The source host's progress figures (the endpoint checked it is the source); kept while the migration runs. */
export async function onLiveProgress(ctx: ConductorContext, p: MigrationProgressBody): Promise<void> {
  const m = ctx.migrations.get(p.migrationId);
  if (!m || m.instanceUuid !== p.uuid || m.sourceCompute !== p.host) return;
  if (m.status !== MigrationStatus.RUNNING && m.status !== MigrationStatus.CANCELLING) return;
  ctx.migrations.update(m.id, {
    memoryTotalBytes: p.memoryTotalBytes, memoryProcessedBytes: p.memoryProcessedBytes, memoryRemainingBytes: p.memoryRemainingBytes,
    diskTotalBytes: p.diskTotalBytes, diskProcessedBytes: p.diskProcessedBytes, diskRemainingBytes: p.diskRemainingBytes,
  });
  await ctx.writer.commit();
}

/** The guest stays (or is again) on the source: the destination's copy and claim go, the allocation comes back. */
async function rollback(ctx: ConductorContext, m: Migration, inst: InstanceRecord, message: string, status: string, destPrepared: boolean): Promise<void> {
  releaseOn(ctx, inst.uuid, providerOf(ctx, m.destCompute));
  moveAllocations(ctx, m.uuid, inst.uuid);
  ctx.store.update(inst.uuid, { taskState: null });
  if (status !== MigrationStatus.CANCELLED) ctx.store.addFault(inst.uuid, 500, message, '', m.sourceCompute);
  ctx.migrations.update(m.id, { status });
  finishMoveAction(ctx, inst.uuid, ACTION, status === MigrationStatus.CANCELLED ? null : message);
  await ctx.writer.commit();
  if (destPrepared && m.destCompute) {
    await sendStep(ctx, m.destCompute, inst, { kind: 'rollback_live_migration_at_destination' }, m, '', { powerOn: false });
  }
}

/** The running live migration `id` of the instance, or Nova's errors (400 not live, 409 wrong state). */
function runningLive(ctx: ConductorContext, inst: InstanceRecord, id: number, accepted: readonly string[]): Migration {
  const m = ctx.migrations.get(id);
  if (!m || m.instanceUuid !== inst.uuid) throw new BadRequest(`Migration ${id} for instance ${inst.uuid} could not be found.`);
  if (m.migrationType !== 'live-migration') throw new BadRequest(`Migration ${id} is not a live migration.`);
  if (!accepted.includes(m.status)) {
    throw new Conflict(`Migration ${id} state of instance ${inst.uuid} is ${m.status}. Cannot do this action while the migration is in this state.`);
  }
  return m;
}

/** DELETE /servers/{id}/migrations/{mid}: live_migration_abort. */
export async function abortLiveMigration(
  ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, task: Extract<InstanceTask, { kind: 'abort_migration' }>, reqId: string,
): Promise<void> {
  const m = runningLive(ctx, inst, task.migrationId, [MigrationStatus.QUEUED, MigrationStatus.PREPARING, MigrationStatus.RUNNING]);
  const act = startMoveAction(ctx, inst, 'live_migration_cancel', reqId, body.userId);
  ctx.migrations.update(m.id, { status: MigrationStatus.CANCELLING });
  ctx.store.finishAction(act);
  await ctx.writer.commit();
  if (m.status === MigrationStatus.RUNNING) await sendLiveControl(ctx, inst, task, reqId);
  // Not yet sent: prepareAndSend sees the new status and the rollback below finishes it.
  else await rollback(ctx, ctx.migrations.get(m.id)!, inst, 'cancelled', MigrationStatus.CANCELLED, m.status === MigrationStatus.PREPARING);
}

/** POST /servers/{id}/migrations/{mid}/action {force_complete}. */
export async function forceCompleteLiveMigration(
  ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, task: Extract<InstanceTask, { kind: 'force_complete' }>, reqId: string,
): Promise<void> {
  if (inst.vmState !== VmState.ACTIVE || inst.taskState !== MIGRATING) {
    throw new Conflict(`Cannot 'force_complete' instance ${inst.uuid} while it is in vm_state ${inst.vmState}` + (inst.taskState ? ` and task_state ${inst.taskState}` : ''));
  }
  runningLive(ctx, inst, task.migrationId, [MigrationStatus.RUNNING]);
  const act = startMoveAction(ctx, inst, 'live_migration_force_complete', reqId, body.userId);
  ctx.store.finishAction(act);
  await ctx.writer.commit();
  await sendLiveControl(ctx, inst, task, reqId);
}
