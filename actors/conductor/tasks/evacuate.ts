/**
 * Evacuate (nova/compute/api.py evacuate, conductor rebuild_instance with a new host): the instance's
 * host is down — its nova-compute forced down or silent past service_down_time — so the instance is
 * rebuilt on another host from its image. The destination is claimed for the instance beside its
 * source allocation, as in Nova; since the source host cannot clean up after itself, this cloud drops
 * the source allocation once the rebuild succeeded (Nova drops it when that compute service restarts).
 */
import { BadRequest } from '../../../runtime/errors/index.ts';
import { VmState } from '../../compute/states.ts';
import { MigrationStatus, type Migration } from '../../objects/index.ts';
import type { ConductorContext } from '../context.ts';
import type { InstanceTaskBody } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';
import type { StepResult } from './migrate.ts';
import {
  checkHostExists, finishMoveAction, moveInstanceHost, providerOf, releaseOn, selectDestination, sendStep, startMoveAction,
} from './migration-common.ts';
import { InstanceInvalidState, NovaError } from '../../../runtime/errors/index.ts';

const REBUILDING = 'rebuilding';
const SHUTDOWN = 4;

export async function evacuate(ctx: ConductorContext, inst: InstanceRecord, body: InstanceTaskBody, reqId: string, host: string | null): Promise<void> {
  const allowed: string[] = [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR];
  if (!allowed.includes(inst.vmState)) {
    throw new InstanceInvalidState(`Cannot 'evacuate' instance ${inst.uuid} while it is in vm_state ${inst.vmState}`);
  }
  const source = inst.host;
  if (!source) throw new InstanceInvalidState(`Instance ${inst.uuid} has no host`);
  if (ctx.serviceUp(source)) throw new BadRequest(`Compute service of ${source} is still in use.`);
  if (host !== null) {
    if (host === source) throw new BadRequest(`The target host can't be the same one.`);
    checkHostExists(ctx, host);
  }
  const act = startMoveAction(ctx, inst, 'evacuate', reqId, body.userId);
  const m = ctx.migrations.create({
    instanceUuid: inst.uuid, migrationType: 'evacuation', status: MigrationStatus.ACCEPTED,
    sourceCompute: source, sourceNode: inst.node, destCompute: null, destNode: null, destHost: null,
    oldFlavorId: inst.flavor.id, newFlavorId: inst.flavor.id, projectId: inst.projectId, userId: body.userId ?? inst.userId,
  });
  let dest;
  try {
    dest = selectDestination(ctx, inst, { flavor: inst.flavor, host, ignoreHosts: [source], checkType: 'rebuild' });
  } catch (e) {
    ctx.migrations.update(m.id, { status: MigrationStatus.ERROR });
    ctx.store.finishAction(act, e instanceof NovaError ? e.message : 'Error');
    await ctx.writer.commit();
    throw e;
  }
  ctx.migrations.update(m.id, { status: MigrationStatus.PRE_MIGRATING, destCompute: dest.host, destNode: dest.nodename, destHost: '127.0.0.1' });
  ctx.store.update(inst.uuid, { taskState: REBUILDING });
  await ctx.writer.commit();
  ctx.log.info({ request_id: reqId, instance_uuid: inst.uuid, source, dest: dest.host, migration: m.id }, `evacuate: ${source} → ${dest.host}`);
  await sendStep(ctx, dest.host, inst, { kind: 'rebuild_evacuated', peerHost: source }, m, reqId, { powerOn: inst.vmState !== VmState.STOPPED });
}

export async function onEvacuateStep(ctx: ConductorContext, m: Migration, inst: InstanceRecord, r: StepResult): Promise<void> {
  if (r.action !== 'rebuild_evacuated' || r.host !== m.destCompute) return;
  if (!r.ok) {
    releaseOn(ctx, inst.uuid, providerOf(ctx, m.destCompute));
    ctx.store.addFault(inst.uuid, 500, r.error ?? 'rebuild failed', '', r.host);
    ctx.store.update(inst.uuid, { vmState: VmState.ERROR, taskState: null });
    ctx.migrations.update(m.id, { status: MigrationStatus.FAILED });
    finishMoveAction(ctx, inst.uuid, 'evacuate', r.error ?? 'Error');
    await ctx.writer.commit();
    return;
  }
  releaseOn(ctx, inst.uuid, providerOf(ctx, m.sourceCompute));
  moveInstanceHost(ctx, inst.uuid, inst.host, m.destCompute!);
  ctx.store.update(inst.uuid, {
    host: m.destCompute, node: m.destNode, vmState: r.powerState === SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE, taskState: null,
    powerState: r.powerState, launchedAt: ctx.clock.now(),
  });
  ctx.migrations.update(m.id, { status: MigrationStatus.DONE });
  finishMoveAction(ctx, inst.uuid, 'evacuate');
  await ctx.writer.commit();
}
