/** A CellsPort that talks straight to one cell's conductor over the bus (one-cell deployments, tests). */
import type { Migration, MigrationFilter } from '../objects/index.ts';
import type { Bus } from '../../runtime/bus/index.ts';
import { BadRequest } from '../../runtime/errors/index.ts';
import type { Diagnostics } from '../objects/index.ts';
import type { AggregateWithHosts, BuildInstancesBody, InstanceTask } from '../conductor/messages.ts';
import type { InstanceRecord } from '../conductor/records.ts';
import type { InstanceAction } from '../conductor/instance-store.ts';
import type { PowerAction } from '../compute/states.ts';
import type { ConnectInfo, ConsoleType } from '../console/console-auth-token.ts';
import { NotImplementedByCells, wireContext, type IssuedToken, type CellsPort, type ComputeNodeView, type InstanceView, type RequestContext, type ServiceUpdate, type ServiceView } from './compute-api.ts';

export class SingleCellPort implements CellsPort {
  constructor(
    private readonly bus: Bus,
    private readonly conductorTopic: string,
  ) {}

  async build(body: BuildInstancesBody, reqId: string): Promise<void> {
    await this.bus.call(this.conductorTopic, { type: 'build_instances', reqId, body });
  }

  get(uuid: string, reqId: string): Promise<InstanceView> {
    return this.bus.call(this.conductorTopic, { type: 'get_instance', reqId, body: { uuid } });
  }

  list(projectId: string | undefined, reqId: string): Promise<InstanceRecord[]> {
    return this.bus.call(this.conductorTopic, { type: 'list_instances', reqId, body: projectId ? { projectId } : {} });
  }

  async delete(uuid: string, ctx: RequestContext): Promise<void> {
    await this.bus.call(this.conductorTopic, { type: 'delete_instance', reqId: ctx.reqId, context: wireContext(ctx), body: { uuid } });
  }

  async powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void> {
    await this.bus.call(this.conductorTopic, { type: 'instance_power_action', reqId: ctx.reqId, context: wireContext(ctx), body: { uuid, action } });
  }

  actions(uuid: string, reqId: string): Promise<InstanceAction[]> {
    return this.bus.call(this.conductorTopic, { type: 'get_instance_actions', reqId, body: { uuid } });
  }

  consoleOutput(uuid: string, length: number | undefined, reqId: string): Promise<string> {
    return this.bus.call(this.conductorTopic, { type: 'get_console_output', reqId, body: { uuid, length } });
  }

  getDiagnostics(uuid: string, reqId: string): Promise<Diagnostics> {
    return this.bus.call(this.conductorTopic, { type: 'get_diagnostics', reqId, body: { uuid } });
  }

  getConsole(uuid: string, consoleType: ConsoleType, reqId: string): Promise<IssuedToken> {
    return this.bus.call(this.conductorTopic, { type: 'get_console', reqId, body: { uuid, consoleType } });
  }

  validateConsoleToken(tokenHash: string, checkPort: boolean, reqId: string): Promise<ConnectInfo | null> {
    return this.bus.call(this.conductorTopic, { type: 'validate_console_token', reqId, body: { tokenHash, checkPort } });
  }

  async instanceTask(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void> {
    try {
      await this.bus.call(this.conductorTopic, { type: 'instance_task', reqId: ctx.reqId, context: wireContext(ctx), body: { uuid, task, userId: ctx.userId } });
    } catch (e) {
      // A cell whose conductor endpoint does not route instance_task yet.
      if (e instanceof BadRequest && /does not handle instance_task/.test(e.message)) {
        throw new NotImplementedByCells(`The cell does not support '${task.kind}' yet.`);
      }
      throw e;
    }
  }

  async syncAggregates(aggregates: AggregateWithHosts[], reqId: string): Promise<void> {
    await this.bus.call(this.conductorTopic, { type: 'sync_aggregates', reqId, body: { aggregates } });
  }

  listMigrations(filter: MigrationFilter, reqId: string): Promise<Migration[]> {
    return this.bus.call(this.conductorTopic, { type: 'list_migrations', reqId, body: filter });
  }

  listServices(reqId: string): Promise<ServiceView[]> {
    return this.bus.call(this.conductorTopic, { type: 'list_services', reqId, body: {} });
  }

  listComputeNodes(reqId: string): Promise<ComputeNodeView[]> {
    return this.bus.call(this.conductorTopic, { type: 'list_compute_nodes', reqId, body: {} });
  }

  updateService(change: ServiceUpdate, reqId: string): Promise<ServiceView> {
    return this.bus.call(this.conductorTopic, { type: 'update_service', reqId, body: change });
  }
}
