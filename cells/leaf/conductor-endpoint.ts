/**
 * Routes the conductor topic of a cell's bus to the conductor's service actor: calls are asked and
 * answered, casts are told. The actor handles them one at a time.
 */
import { ask, tell, type ServiceRef } from '../../runtime/actor/index.ts';
import type { Bus, Envelope } from '../../runtime/bus/index.ts';
import { BadRequest } from '../../runtime/errors/index.ts';
import type { ConductorManager } from '../../actors/conductor/conductor-manager.ts';
// Registers the conductor's message schemas with the bus registry.
import '../../actors/conductor/messages.ts';
import type {
  ActionResultBody, BuildInstancesBody, BuildResultBody, ComputeNodeReport, UpdateServiceBody, AggregateWithHosts, InstanceTaskBody,
} from '../../actors/conductor/messages.ts';
import type { PowerAction } from '../../actors/compute/states.ts';
import '../../actors/console/messages.ts';
import type { GetConsoleBody, ValidateConsoleTokenBody } from '../../actors/console/messages.ts';
import type { PowerStateReportBody } from '../../actors/conductor/messages.ts';

type B = Record<string, unknown>;

export async function serveConductor(bus: Bus, topic: string, conductor: ServiceRef<ConductorManager>): Promise<void> {
  await bus.subscribe(topic, (msg: Envelope) => {
    const b = msg.body as B;
    const reqId = msg.reqId ?? '';
    switch (msg.type) {
      case 'build_instances':
        return ask(conductor, 'buildInstances', msg.body as BuildInstancesBody, reqId);
      case 'delete_instance':
        return ask(conductor, 'deleteInstance', b.uuid as string, reqId, (b.userId as string) ?? '');
      case 'instance_power_action':
        return ask(conductor, 'powerAction', b.uuid as string, b.action as PowerAction, reqId, (b.userId as string) ?? '');
      case 'get_instance':
        return ask(conductor, 'getInstance', b.uuid as string);
      case 'list_instances':
        return ask(conductor, 'listInstances', b.projectId as string | undefined);
      case 'get_instance_actions':
        return ask(conductor, 'instanceActions', b.uuid as string);
      case 'get_console_output':
        return ask(conductor, 'consoleOutput', b.uuid as string, b.length as number | undefined);
      case 'get_console':
        return ask(conductor, 'getConsole', b.uuid as string, (msg.body as GetConsoleBody).consoleType);
      case 'validate_console_token': {
        const v = msg.body as ValidateConsoleTokenBody;
        return ask(conductor, 'validateConsoleToken', v.tokenHash, v.checkPort);
      }
      case 'list_services':
        return ask(conductor, 'listServices');
      case 'list_compute_nodes':
        return ask(conductor, 'listComputeNodes');
      case 'update_service':
        return ask(conductor, 'updateService', msg.body as UpdateServiceBody);
      case 'instance_task':
        return ask(conductor, 'instanceTask', msg.body as InstanceTaskBody, reqId);
      case 'sync_aggregates':
        return ask(conductor, 'syncAggregates', (msg.body as { aggregates: AggregateWithHosts[] }).aggregates);
      case 'compute_build_result':
        return tell(conductor, 'buildResult', msg.body as BuildResultBody);
      case 'compute_action_result':
        return tell(conductor, 'actionResult', msg.body as ActionResultBody);
      case 'compute_power_state':
        return tell(conductor, 'powerStateReport', msg.body as PowerStateReportBody);
      case 'compute_node_update':
        return tell(conductor, 'computeNodeUpdate', msg.body as ComputeNodeReport);
      case 'service_heartbeat':
        return tell(conductor, 'heartbeat', b.host as string, b.binary as string);
      default:
        throw new BadRequest(`conductor does not handle ${msg.type}`);
    }
  });
}
