/**
 * Nova's init_host on the conductor's side (nova/compute/manager.py: _init_instance,
 * _sync_power_states, _destroy_evacuated_instances' bookkeeping): a compute host that (re)started
 * lists the guests its hypervisor has, and the cell database is reconciled with that list in both
 * directions. Our compute hosts have no database, so the host reports and the conductor decides.
 *
 * - A build dispatched to the host and never answered is sent again (the host answers at once if the
 *   guest is there; a spawn cut short by the restart starts over). Nova sets such an instance ERROR;
 *   our build requests are durable and replayed until answered instead.
 * - A delete under way finishes if the guest is gone, else terminate is sent again (Nova: DELETING).
 * - A power action under way finishes if the guest already reached its target state, else it is sent
 *   again (Nova retries reboot, stop and start; pause & co. are idempotent here the same way).
 * - Any other task under way is cleared (Nova: "instance.task_state = None") with the guest's power.
 * - With no task: a guest that vanished gets power_state NOSTATE and is otherwise left alone (Nova:
 *   "Instance is unexpectedly not found. Ignore."); a guest found off while the database says active
 *   is recorded stopped (the stop Nova's sync calls), with a `stop` action saying so.
 * - Guests the database does not know, or knows as deleted, are reported in the log (Nova's
 *   _cleanup_running_deleted_instances would reap the deleted ones; the operator decides here).
 */
import { PowerState } from '../../compute/drivers/power-state.ts';
import { POWER_ACTIONS, TaskState, VmState, type PowerAction } from '../../compute/states.ts';
import type { ConductorContext } from '../context.ts';
import type { HostGuestsBody } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';
import { sendBuild } from './build.ts';
import { onActionResult } from './instance-ops.ts';
import { recordSyncStop } from './power-sync.ts';

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;

/** The power state each action leaves a guest in (reboots: running, but a reboot cannot be seen done). */
const TARGET: Record<PowerAction, number | undefined> = {
  reboot: undefined, reboot_hard: undefined, stop: SHUTDOWN, start: RUNNING, pause: PAUSED, unpause: RUNNING,
  suspend: SUSPENDED, resume: RUNNING,
};

const isPowerAction = (k: string): k is PowerAction => Object.hasOwn(POWER_ACTIONS, k);
const ACTION_OF_TASK = new Map<string, PowerAction>(
  Object.keys(POWER_ACTIONS).filter(isPowerAction).map((a) => [POWER_ACTIONS[a].task, a]),
);

const BUILD_TASKS = new Set<string>([TaskState.SCHEDULING, TaskState.NETWORKING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.SPAWNING]);

/** What the reconcile did, per kind of correction (for the log and tests). */
export interface HostReconcile {
  rebuilt: string[];
  deleted: string[];
  retried: string[];
  finished: string[];
  cleared: string[];
  vanished: string[];
  stopped: string[];
  powerUpdated: string[];
  unknown: string[];
}

export async function reconcileHost(ctx: ConductorContext, r: HostGuestsBody): Promise<HostReconcile> {
  const out: HostReconcile = { rebuilt: [], deleted: [], retried: [], finished: [], cleared: [], vanished: [], stopped: [], powerUpdated: [], unknown: [] };
  const onHost = new Map(r.guests.map((g) => [g.uuid, g.powerState]));
  const casts: Array<() => Promise<void>> = [];
  const mine: InstanceRecord[] = [];
  for (const inst of ctx.store.all()) if (!inst.deleted && inst.host === r.host) mine.push(inst);
  for (const inst of mine) {
    const power = onHost.get(inst.uuid);
    const br = ctx.builds.get(inst.uuid);
    if (br) {
      if (br.state === 'dispatched' && br.host?.host === r.host) {
        casts.push(() => sendBuild(ctx, br));
        out.rebuilt.push(inst.uuid);
      }
      continue;
    }
    if (inst.vmState === VmState.BUILDING || (inst.taskState && BUILD_TASKS.has(inst.taskState))) continue;
    if (inst.taskState === TaskState.DELETING) {
      if (power === undefined) {
        await onActionResult(ctx, { uuid: inst.uuid, host: r.host, action: 'terminate', ok: true, powerState: NOSTATE });
        out.deleted.push(inst.uuid);
      } else {
        casts.push(() => ctx.bus.cast(ctx.computeTopic(r.host), { type: 'terminate_instance', reqId: ctx.store.lastAction(inst.uuid, 'delete')?.requestId, body: { uuid: inst.uuid } }));
        out.retried.push(inst.uuid);
      }
      continue;
    }
    const action = inst.taskState ? ACTION_OF_TASK.get(inst.taskState) : undefined;
    if (action && power !== undefined) {
      if (TARGET[action] === power) {
        await onActionResult(ctx, { uuid: inst.uuid, host: r.host, action, ok: true, powerState: power });
        out.finished.push(inst.uuid);
      } else {
        const reqId = ctx.store.lastAction(inst.uuid)?.requestId;
        casts.push(() => ctx.bus.cast(ctx.computeTopic(r.host), { type: 'power_action', reqId, body: { uuid: inst.uuid, action } }));
        out.retried.push(inst.uuid);
      }
      continue;
    }
    if (inst.taskState) {
      ctx.log.warn({ instance_uuid: inst.uuid, task_state: inst.taskState, host: r.host }, 'task interrupted by a compute restart; clearing task_state');
      ctx.store.update(inst.uuid, { taskState: null, powerState: power ?? NOSTATE });
      out.cleared.push(inst.uuid);
      continue;
    }
    if (power === undefined) {
      if (inst.powerState === NOSTATE) continue;
      ctx.log.warn({ instance_uuid: inst.uuid, vm_state: inst.vmState, host: r.host }, 'instance is unexpectedly not found on its hypervisor; power_state set to NOSTATE');
      ctx.store.update(inst.uuid, { powerState: NOSTATE });
      out.vanished.push(inst.uuid);
    } else if ((power === SHUTDOWN || power === CRASHED) && (inst.vmState === VmState.ACTIVE || inst.vmState === VmState.PAUSED || inst.vmState === VmState.SUSPENDED)) {
      recordSyncStop(ctx, inst, power);
      out.stopped.push(inst.uuid);
    } else if (power !== inst.powerState) {
      ctx.store.update(inst.uuid, { powerState: power });
      out.powerUpdated.push(inst.uuid);
    }
  }
  for (const g of r.guests) {
    const inst = ctx.store.get(g.uuid);
    if (inst && !inst.deleted && inst.host === r.host) continue;
    out.unknown.push(g.uuid);
    ctx.log.warn(
      { instance_uuid: g.uuid, host: r.host, power_state: g.powerState, in_database: inst ? (inst.deleted ? 'deleted' : `on ${inst.host ?? 'no host'}`) : 'no' },
      'guest on the hypervisor that the database does not place on this host',
    );
  }
  await ctx.writer.commit();
  for (const cast of casts) await cast();
  const counts = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length]));
  ctx.log.info({ host: r.host, guests: r.guests.length, instances: mine.length, ...counts }, 'init_host: database reconciled with the hypervisor');
  return out;
}
