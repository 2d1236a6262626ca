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

const STOPPED_ON_ITS_OWN = new Set<string>([VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED]);

export async function syncInstancePowerState(ctx: ConductorContext, r: PowerStateReportBody): Promise<void> {
  const inst = ctx.store.get(r.uuid);
  if (!inst || inst.deleted || inst.host !== r.host || inst.taskState !== null) return;
  if (inst.vmState === VmState.BUILDING) return;
  const off = r.powerState === PowerState.SHUTDOWN || r.powerState === PowerState.CRASHED;
  if (off && STOPPED_ON_ITS_OWN.has(inst.vmState)) {
    ctx.log.warn({ instance: r.uuid, vm_state: inst.vmState, power_state: r.powerState }, 'instance shut down by itself; recording it stopped');
    ctx.store.update(r.uuid, { vmState: VmState.STOPPED, powerState: r.powerState });
  } else if (inst.powerState !== r.powerState) {
    ctx.store.update(r.uuid, { powerState: r.powerState });
  } else {
    return;
  }
  await ctx.writer.commit();
}
