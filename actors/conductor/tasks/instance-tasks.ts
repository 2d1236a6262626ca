/**
 * Instance tasks with arguments or a new placement (nova/compute/api.py rebuild, resize,
 * confirm/revert_resize, shelve, shelve_offload, unshelve, rescue, unrescue, snapshot, reset_state):
 * the conductor checks Nova's state rules (409), records the action, sets the task state, adjusts the
 * claims in placement, and sends the work to the compute host; the host's compute_action_result
 * finishes it in onTaskResult. Moves (resize, migrate, live migration, evacuate) are tasks/migrations.ts;
 * unshelving an offloaded server schedules it anew.
 */
import { InstanceInvalidState, InstanceNotFound, NoValidHost, NovaError } from '../../../runtime/errors/index.ts';
import { fixedIpOf } from './fixed-ips.ts';
import { TaskState, VmState } from '../../compute/states.ts';
import type { FlavorSpec, Selection } from '../../scheduler/types.ts';
import type { ConductorContext } from '../context.ts';
import type { ActionResultBody, BuildSpec, ComputeTaskKind, InstanceTask, InstanceTaskBody } from '../messages.ts';
import { computeTaskKinds } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';
import { sendBuild } from './build.ts';
import { flavorResources as resources, guestDataOf } from '../../objects/index.ts';
import { isMoveTask, moveTask } from './migrations.ts';
import type { CrossCellSource } from './cross-cell.ts';

/** Nova's instance action names. */
const ACTION_OF: Record<InstanceTask['kind'], string> = {
  rebuild: 'rebuild', resize: 'resize', confirm_resize: 'confirmResize', revert_resize: 'revertResize', shelve: 'shelve',
  shelve_offload: 'shelveOffload', unshelve: 'unshelve', rescue: 'rescue', unrescue: 'unrescue', snapshot: 'createImage',
  reset_state: 'resetState', trigger_crash_dump: 'trigger_crash_dump', migrate: 'migrate', live_migrate: 'live-migration', evacuate: 'evacuate',
  abort_migration: 'live_migration_cancel', force_complete: 'live_migration_force_complete',
};

/** vm_states each task starts from (nova/compute/api.py check_instance_state). */
const FROM: Record<InstanceTask['kind'], readonly string[]> = {
  rebuild: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR],
  resize: [VmState.ACTIVE, VmState.STOPPED],
  confirm_resize: [VmState.RESIZED],
  revert_resize: [VmState.RESIZED],
  shelve: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED],
  shelve_offload: [VmState.SHELVED],
  unshelve: [VmState.SHELVED, VmState.SHELVED_OFFLOADED],
  rescue: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR],
  unrescue: [VmState.RESCUED],
  snapshot: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED],
  reset_state: [],
  trigger_crash_dump: [VmState.ACTIVE, VmState.ERROR],
  // Moves check their own states (tasks/migrations.ts).
  migrate: [], live_migrate: [], evacuate: [], abort_migration: [], force_complete: [],
};

const SHUTDOWN = 4;

export function isComputeTask(action: string): action is ComputeTaskKind {
  return computeTaskKinds.some((k) => k === action);
}

function checkState(inst: InstanceRecord, task: InstanceTask): void {
  const from = FROM[task.kind];
  if (task.kind === 'reset_state') return;
  if (!from.includes(inst.vmState) || inst.taskState !== null) {
    throw new InstanceInvalidState(
      `Cannot '${ACTION_OF[task.kind]}' instance ${inst.uuid} while it is in vm_state ${inst.vmState}` +
        (inst.taskState ? ` and task_state ${inst.taskState}` : ''),
    );
  }
}

function spawnInstance(inst: InstanceRecord) {
  return {
    uuid: inst.uuid, name: inst.displayName, hostname: inst.hostname, projectId: inst.projectId, userId: inst.userId,
    flavor: inst.flavor, image: inst.image, metadata: inst.metadata, network: fixedIpOf(inst), guest: guestDataOf(inst),
  };
}

async function toCompute(ctx: ConductorContext, inst: InstanceRecord, task: InstanceTask, reqId: string, powerOn: boolean): Promise<void> {
  await ctx.bus.cast(ctx.computeTopic(inst.host!), {
    type: 'compute_instance_task', reqId, body: { uuid: inst.uuid, task, instance: spawnInstance(inst), powerOn },
  });
}

/** Free the host of a shelved-offloaded instance. */
function offload(ctx: ConductorContext, inst: InstanceRecord): void {
  ctx.placement.release(inst.uuid);
  if (inst.host) ctx.hostManager.removeInstance(inst.host, inst.uuid);
  ctx.store.update(inst.uuid, { vmState: VmState.SHELVED_OFFLOADED, taskState: null, powerState: SHUTDOWN, host: null, node: null });
}

/** Accept a task: state checked, action recorded and durable, work sent. */
export async function instanceTask(ctx: ConductorContext, body: InstanceTaskBody, reqId: string): Promise<CrossCellSource | void> {
  const { uuid, task } = body;
  const inst = ctx.store.get(uuid);
  if (!inst) throw new InstanceNotFound(uuid);
  if (isMoveTask(task.kind)) return moveTask(ctx, body, reqId);
  checkState(inst, task);
  if (task.kind !== 'reset_state' && !(task.kind === 'unshelve' && inst.vmState === VmState.SHELVED_OFFLOADED) && !inst.host) {
    throw new InstanceInvalidState(`Instance ${uuid} has no host`);
  }
  const userId = body.userId ?? '';
  const action = task.kind === 'reset_state' ? undefined : ctx.store.startAction(uuid, ACTION_OF[task.kind], reqId, userId, inst.projectId);
  const running = inst.vmState !== VmState.STOPPED;
  switch (task.kind) {
    case 'reset_state':
      ctx.store.update(uuid, { vmState: task.vmState, taskState: null });
      await ctx.writer.commit();
      return;
    case 'rebuild':
      ctx.store.update(uuid, { taskState: TaskState.REBUILDING, imageRef: task.imageRef, image: task.image });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, running);
    case 'shelve':
      ctx.store.update(uuid, { taskState: task.offload ? TaskState.SHELVING_OFFLOADING : TaskState.SHELVING });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, false);
    case 'shelve_offload':
      ctx.store.update(uuid, { taskState: TaskState.SHELVING_OFFLOADING });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, false);
    case 'unshelve':
      if (inst.vmState === VmState.SHELVED_OFFLOADED) return unshelveOffloaded(ctx, inst, task.availabilityZone ?? null, reqId, task.host);
      ctx.store.update(uuid, { taskState: TaskState.UNSHELVING });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, true);
    case 'rescue':
      ctx.store.update(uuid, { taskState: TaskState.RESCUING });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, true);
    case 'unrescue':
      ctx.store.update(uuid, { taskState: TaskState.UNRESCUING });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, true);
    case 'snapshot':
      ctx.store.update(uuid, { taskState: TaskState.IMAGE_SNAPSHOT });
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, running);
    case 'trigger_crash_dump':
      // No task state: Nova casts the NMI and records only the action.
      await ctx.writer.commit();
      return toCompute(ctx, inst, task, reqId, running);
  }
}

/** An offloaded server has no host: schedule it like a build (claim first), then spawn it there. */
async function unshelveOffloaded(ctx: ConductorContext, inst: InstanceRecord, zone: string | null, reqId: string, host?: string): Promise<void> {
  // 2.91's host is a requested destination: only that host, and the filters still run
  // (_nova_check_type keeps force_hosts from skipping them), so a full host is NoValidHost.
  const spec: BuildSpec = {
    projectId: inst.projectId, userId: inst.userId, flavor: inst.flavor, image: inst.image,
    availabilityZone: zone ?? (host === undefined ? inst.availabilityZone : null),
    schedulerHints: host === undefined ? {} : { _nova_check_type: 'unshelve' }, instanceGroup: null,
    ignoreHosts: [], forceHosts: host === undefined ? [] : [host], forceNodes: [],
  };
  const now = ctx.clock.now();
  let chosen: Selection | undefined;
  try {
    chosen = ctx.scheduler.selectDestinations(
      { ...spec, instanceUuids: [inst.uuid], numInstances: 1, retry: { numAttempts: 1, hosts: [] } },
      ctx.hostManager,
      (sel) => ctx.placement.claim(sel.instanceUuid, sel.uuid, resources(inst.flavor), inst.projectId, inst.userId, now),
    )[0]?.[0];
  } catch (e) {
    if (!(e instanceof NovaError)) throw e;
    ctx.store.addFault(inst.uuid, 500, e.message, '', null);
    const action = ctx.store.lastAction(inst.uuid, 'unshelve');
    if (action) ctx.store.finishAction(action, 'Error');
    await ctx.writer.commit();
    return;
  }
  if (!chosen) return;
  const br = {
    instanceUuid: inst.uuid, requestId: reqId, spec, state: 'dispatched' as const, attempts: 1,
    host: { host: chosen.host, nodename: chosen.nodename, uuid: chosen.uuid }, alternates: [], triedHosts: [chosen.host], createdAt: now,
  };
  ctx.builds.save(br, now);
  ctx.hostManager.addInstance(chosen.host, inst.uuid);
  ctx.store.update(inst.uuid, { host: chosen.host, node: chosen.nodename, taskState: TaskState.UNSHELVING });
  await ctx.writer.commit();
  await sendBuild(ctx, br);
}

/** The compute host's answer to a task. */
export async function onTaskResult(ctx: ConductorContext, r: ActionResultBody & { action: ComputeTaskKind }): Promise<void> {
  const inst = ctx.store.get(r.uuid);
  if (!inst || inst.host !== r.host) return;
  const action = ctx.store.lastAction(r.uuid, ACTION_OF[r.action]);
  if (!r.ok) {
    ctx.store.addFault(r.uuid, 500, r.error ?? `${r.action} failed`, '', r.host);
    ctx.store.update(r.uuid, { taskState: null, powerState: r.powerState });
    if (action) ctx.store.finishAction(action, r.error ?? 'Error');
    await ctx.writer.commit();
    return;
  }
  const stoppedOrActive = r.powerState === SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;
  switch (r.action) {
    case 'rebuild':
      ctx.store.update(r.uuid, { vmState: stoppedOrActive, taskState: null, powerState: r.powerState, launchedAt: ctx.clock.now() });
      break;
    case 'shelve':
      if (inst.taskState === TaskState.SHELVING_OFFLOADING) offload(ctx, inst);
      else ctx.store.update(r.uuid, { vmState: VmState.SHELVED, taskState: null, powerState: r.powerState });
      break;
    case 'shelve_offload':
      offload(ctx, inst);
      break;
    case 'unshelve':
    case 'unrescue':
      ctx.store.update(r.uuid, { vmState: VmState.ACTIVE, taskState: null, powerState: r.powerState });
      break;
    case 'rescue':
      ctx.store.update(r.uuid, { vmState: VmState.RESCUED, taskState: null, powerState: r.powerState });
      break;
    case 'snapshot':
      ctx.store.update(r.uuid, { taskState: null, powerState: r.powerState });
      break;
    case 'trigger_crash_dump':
      // What the guest did after the NMI (crashed, rebooted, carried on) shows in its power state.
      ctx.store.update(r.uuid, { powerState: r.powerState });
      break;
  }
  if (action) ctx.store.finishAction(action);
  await ctx.writer.commit();
}
