/**
 * Nova's _sync_instance_power_state (nova/compute/manager.py): the hypervisor is the authority on
 * power. A report from a compute host updates power_state; a guest that stopped (or crashed) on its
 * own while the database says active/paused/suspended is recorded as stopped, as Nova does by
 * calling its stop API. Reports for an instance with a task under way are ignored (the task will set
 * the state when it ends), as are reports from a host that no longer owns the instance.
 */
import { PowerState } from '../../compute/drivers/power-state.ts';
import { VmState } from '../../compute/states.ts';
import type { ConductorContext } from '../context.ts';
import type { PowerStateReportBody } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';

/** The event a correction by the power-state sync is recorded under, in a `stop` instance action. */
export const SYNC_POWER_STATE_EVENT = 'compute__sync_power_states';

const STOPPED_ON_ITS_OWN = new Set<string>([VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED]);

export async function syncInstancePowerState(ctx: ConductorContext, r: PowerStateReportBody): Promise<void> {
  const inst = ctx.store.get(r.uuid);
  if (!inst || inst.deleted || inst.host !== r.host || inst.taskState !== null) return;
  if (inst.vmState === VmState.BUILDING) return;
  const off = r.powerState === PowerState.SHUTDOWN || r.powerState === PowerState.CRASHED;
  if (off && STOPPED_ON_ITS_OWN.has(inst.vmState)) {
    recordSyncStop(ctx, inst, r.powerState);
  } else if (inst.powerState !== r.powerState) {
    ctx.store.update(r.uuid, { powerState: r.powerState });
  } else {
    return;
  }
  await ctx.writer.commit();
}

/**
 * The guest is off on its own: recorded stopped, with a `stop` action by the system (Nova's sync calls
 * the stop API as the service, so the action has no user) whose event says the sync did it.
 */
export function recordSyncStop(ctx: ConductorContext, inst: InstanceRecord, powerState: number): void {
  ctx.log.warn({ instance_uuid: inst.uuid, vm_state: inst.vmState, power_state: powerState }, 'instance shut down by itself; recording it stopped');
  const action = ctx.store.startAction(inst.uuid, 'stop', `req-${ctx.rng.uuid4()}`, '', inst.projectId);
  ctx.store.eventStart(action, SYNC_POWER_STATE_EVENT, inst.host);
  ctx.store.eventFinish(action, SYNC_POWER_STATE_EVENT, 'Success');
  ctx.store.finishAction(action);
  ctx.store.update(inst.uuid, { vmState: VmState.STOPPED, powerState });
}
