/**
 * Operations on existing instances: delete (also while still scheduling) and power actions. The
 * conductor checks Nova's state rules, sets the task state, and casts to the owning compute host; the
 * host's answer finishes the operation in `onActionResult`.
 */
import { InstanceInvalidState, InstanceNotFound } from '../../../runtime/errors/index.ts';
import { POWER_ACTIONS, POWER_ACTION_RESULT, TaskState, VmState, type PowerAction } from '../../compute/states.ts';
import type { ActionResultBody } from '../messages.ts';
import type { ConductorContext } from '../context.ts';
import { isComputeTask, onTaskResult } from './instance-tasks.ts';
import { isMoveStep, onInstanceDeleted, onMoveResult } from './migrations.ts';

const ACTION_NAMES: Record<PowerAction, string> = {
  reboot: 'reboot', reboot_hard: 'reboot', stop: 'stop', start: 'start', pause: 'pause', unpause: 'unpause',
  suspend: 'suspend', resume: 'resume',
};

/** Who asked for an operation: recorded in its instance action (Nova takes both from the request context). */
export interface Requester {
  userId: string;
  /** The caller's project (an admin's may differ from the instance's); the instance's when not known. */
  projectId?: string;
}

/** Delete an instance. Returns once the delete is recorded (and cast to its host, if it has one). */
export async function deleteInstance(ctx: ConductorContext, uuid: string, reqId: string, who: Requester): Promise<void> {
  const inst = ctx.store.get(uuid);
  if (!inst) throw new InstanceNotFound(uuid);
  if (inst.taskState === TaskState.DELETING) return;
  const action = ctx.store.startAction(uuid, 'delete', reqId, who.userId, who.projectId ?? inst.projectId);
  await onInstanceDeleted(ctx, uuid, inst.host);
  ctx.log.info({ request_id: reqId, instance_uuid: uuid, host: inst.host }, 'deleting instance');
  const br = ctx.builds.get(uuid);
  const hostUp = inst.host ? ctx.serviceUp(inst.host) : false;
  if (!inst.host || (br && br.state === 'pending') || !hostUp) {
    // Nothing runs anywhere (still scheduling, never placed) or the host is down: delete locally.
    finishDelete(ctx, uuid);
    ctx.store.finishAction(action);
    await ctx.writer.commit();
    return;
  }
  ctx.store.update(uuid, { taskState: TaskState.DELETING });
  await ctx.writer.commit();
  await ctx.bus.cast(ctx.computeTopic(inst.host), { type: 'terminate_instance', reqId, body: { uuid } });
}

function finishDelete(ctx: ConductorContext, uuid: string): void {
  const inst = ctx.store.get(uuid);
  ctx.placement.release(uuid);
  ctx.builds.remove(uuid);
  if (inst?.host) ctx.hostManager.removeInstance(inst.host, uuid);
  const now = ctx.clock.now();
  ctx.store.update(uuid, {
    vmState: VmState.DELETED, taskState: null, powerState: 0, deleted: true, deletedAt: now, terminatedAt: now,
  });
}

export async function powerAction(ctx: ConductorContext, uuid: string, action: PowerAction, reqId: string, who: Requester): Promise<void> {
  const inst = ctx.store.get(uuid);
  if (!inst) throw new InstanceNotFound(uuid);
  const rule = POWER_ACTIONS[action];
  if (inst.taskState !== null || !rule.from.some((s) => s === inst.vmState)) {
    throw new InstanceInvalidState(
      `Cannot '${ACTION_NAMES[action]}' instance ${uuid} while it is in vm_state ${inst.vmState}` +
        (inst.taskState ? ` and task_state ${inst.taskState}` : ''),
    );
  }
  if (!inst.host) throw new InstanceInvalidState(`Instance ${uuid} has no host`);
  ctx.store.startAction(uuid, ACTION_NAMES[action], reqId, who.userId, who.projectId ?? inst.projectId);
  ctx.log.info({ request_id: reqId, instance_uuid: uuid, host: inst.host, action }, `${action} instance`);
  ctx.store.update(uuid, { taskState: rule.task });
  await ctx.writer.commit();
  await ctx.bus.cast(ctx.computeTopic(inst.host), { type: 'power_action', reqId, body: { uuid, action } });
}

export async function onActionResult(ctx: ConductorContext, r: ActionResultBody): Promise<void> {
  if (isMoveStep(r.action)) return onMoveResult(ctx, r);
  if (isComputeTask(r.action)) return onTaskResult(ctx, { ...r, action: r.action });
  const inst = ctx.store.get(r.uuid);
  if (!inst || inst.host !== r.host) return;
  if (r.action === 'terminate') {
    const action = ctx.store.lastAction(r.uuid, 'delete');
    finishDelete(ctx, r.uuid);
    if (action) ctx.store.finishAction(action, r.ok ? null : (r.error ?? null));
    await ctx.writer.commit();
    return;
  }
  const action = ctx.store.lastAction(r.uuid, ACTION_NAMES[r.action]);
  if (r.ok) {
    ctx.store.update(r.uuid, { vmState: POWER_ACTION_RESULT[r.action], taskState: null, powerState: r.powerState });
    if (action) ctx.store.finishAction(action);
  } else {
    ctx.store.addFault(r.uuid, 500, r.error ?? `${r.action} failed`, '', r.host);
    ctx.store.update(r.uuid, { taskState: null, powerState: r.powerState });
    if (action) ctx.store.finishAction(action, r.error ?? 'Error');
  }
  await ctx.writer.commit();
}
