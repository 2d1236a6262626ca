/**
 * TerminateInstances, StopInstances, StartInstances, RebootInstances and GetConsoleOutput: each asks
 * the ComputeAPI (and so the owning cell) as the compute API's delete, os-stop, os-start, reboot and
 * os-getConsoleOutput do; a state the cell refuses is IncorrectInstanceState.
 */
import type { PowerAction } from '../../../compute/states.ts';
import { contextOf } from '../../compute/context.ts';
import { checkNotLocked } from '../../compute/server-lookup.ts';
import { deleteServer } from '../../compute/servers.ts';
import type { ServerModel } from '../../compute/views/servers.ts';
import { fromComputeError } from '../errors.ts';
import { ec2InstanceId } from '../ids.ts';
import { ec2State, stateOf, type InstanceStateName } from '../views.ts';
import { ec2Time } from '../xml.ts';
import { requiredInstanceIds, serversByIds } from './lookup.ts';
import type { Ec2Action, Ec2Context } from './types.ts';

async function each(c: Ec2Context, run: (m: ServerModel) => Promise<void>): Promise<ServerModel[]> {
  const models = await serversByIds(c, requiredInstanceIds(c));
  for (const m of models) {
    try {
      checkNotLocked(c.request, m);
      await run(m);
    } catch (e) {
      throw fromComputeError(e);
    }
  }
  return models;
}

function stateChanges(models: ServerModel[], current: InstanceStateName) {
  return { instancesSet: models.map((m) => ({ instanceId: ec2InstanceId(m.inst.uuid), currentState: ec2State(current), previousState: stateOf(m) })) };
}

function power(action: PowerAction, current: InstanceStateName, skipIf: string): Ec2Action {
  return async (c) => {
    const models = await each(c, async (m) => {
      // EC2 treats stopping a stopped instance (starting a running one) as done, not as an error.
      if (stateOf(m).name === skipIf) return;
      await c.deps.compute.powerAction(m.inst.uuid, action, contextOf(c.request));
    });
    return stateChanges(models, current);
  };
}

export const stopInstances: Ec2Action = power('stop', 'stopping', 'stopped');
export const startInstances: Ec2Action = power('start', 'pending', 'running');

export const rebootInstances: Ec2Action = async (c) => {
  await each(c, (m) => c.deps.compute.powerAction(m.inst.uuid, 'reboot', contextOf(c.request)));
  return { return: true };
};

export const terminateInstances: Ec2Action = async (c) => {
  const models = await each(c, (m) => deleteServer(c.deps, c.request, m.inst.uuid));
  return stateChanges(models, 'shutting-down');
};

export const getConsoleOutput: Ec2Action = async (c) => {
  const id = c.params.required('InstanceId');
  const [m] = await serversByIds(c, [id]);
  let output = '';
  if (m!.inst.host && m!.inst.vmState !== 'building') {
    output = await c.deps.compute.consoleOutput(m!.inst.uuid, undefined, contextOf(c.request)).catch((e) => {
      throw fromComputeError(e);
    });
  }
  return { instanceId: id, timestamp: ec2Time(c.deps.clock.now()), output: Buffer.from(output, 'utf8').toString('base64') };
};
