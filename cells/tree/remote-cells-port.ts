/**
 * A CellsPort that calls the API cell in another process over the API cell's broker (see
 * cells-port-endpoint.ts). `new ComputeAPI(new RemoteCellsPort(bus, 'api'), ...)` drives a running
 * federation from outside it.
 */
import type { Migration, MigrationFilter } from '../../actors/objects/index.ts';
import type { Bus } from '../../runtime/bus/index.ts';
import type { AggregateWithHosts, BuildInstancesBody, InstanceTask } from '../../actors/conductor/messages.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import type { InstanceAction } from '../../actors/conductor/instance-store.ts';
import type { PowerAction } from '../../actors/compute/states.ts';
import type { ConnectInfo, ConsoleType } from '../../actors/console/console-auth-token.ts';
import type {
  CellsPort, ComputeNodeView, IssuedToken, InstanceView, RequestContext, ServiceUpdate, ServiceView,
} from '../../actors/api/compute-api.ts';
import type { CellsPortCallBody } from '../messages.ts';
import { cellsPortTopic } from '../topics.ts';
import type { Diagnostics } from '../../actors/objects/index.ts';

export class RemoteCellsPort implements CellsPort {
  constructor(
    private readonly bus: Bus,
    private readonly apiCellPath: string,
    private readonly timeoutMs = 60_000,
  ) {}

  private call<T>(method: CellsPortCallBody['method'], args: unknown[], reqId?: string): Promise<T> {
    return this.bus.call<T>(cellsPortTopic(this.apiCellPath), { type: 'cells_port_call', reqId, body: { method, args } }, { timeoutMs: this.timeoutMs });
  }

  syncAggregates(aggregates: AggregateWithHosts[], reqId: string): Promise<void> {
    return this.call('syncAggregates', [aggregates, reqId], reqId);
  }
  listMigrations(filter: MigrationFilter, reqId: string): Promise<Migration[]> {
    return this.call('listMigrations', [filter, reqId], reqId);
  }
  listServices(reqId: string): Promise<ServiceView[]> {
    return this.call('listServices', [reqId], reqId);
  }
  listComputeNodes(reqId: string): Promise<ComputeNodeView[]> {
    return this.call('listComputeNodes', [reqId], reqId);
  }
  updateService(change: ServiceUpdate, reqId: string): Promise<ServiceView> {
    return this.call('updateService', [change, reqId], reqId);
  }
  build(body: BuildInstancesBody, reqId: string): Promise<void> {
    return this.call('build', [body, reqId], reqId);
  }
  get(uuid: string, reqId: string): Promise<InstanceView> {
    return this.call('get', [uuid, reqId], reqId);
  }
  list(projectId: string | undefined, reqId: string): Promise<InstanceRecord[]> {
    return this.call('list', [projectId ?? null, reqId], reqId);
  }
  delete(uuid: string, ctx: RequestContext): Promise<void> {
    return this.call('delete', [uuid, ctx], ctx.reqId);
  }
  powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void> {
    return this.call('powerAction', [uuid, action, ctx], ctx.reqId);
  }
  actions(uuid: string, reqId: string): Promise<InstanceAction[]> {
    return this.call('actions', [uuid, reqId], reqId);
  }
  instanceTask(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void> {
    return this.call('instanceTask', [uuid, task, ctx], ctx.reqId);
  }
  consoleOutput(uuid: string, length: number | undefined, reqId: string): Promise<string> {
    return this.call('consoleOutput', [uuid, length ?? null, reqId], reqId);
  }
  getDiagnostics(uuid: string, reqId: string): Promise<Diagnostics> {
    return this.call('getDiagnostics', [uuid, reqId], reqId);
  }
  getConsole(uuid: string, consoleType: ConsoleType, reqId: string): Promise<IssuedToken> {
    return this.call('getConsole', [uuid, consoleType, reqId], reqId);
  }
  validateConsoleToken(tokenHash: string, checkPort: boolean, reqId: string): Promise<ConnectInfo | null> {
    return this.call('validateConsoleToken', [tokenHash, checkPort, reqId], reqId);
  }
}
