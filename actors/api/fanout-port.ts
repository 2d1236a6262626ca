/**
 * A CellsPort over several independent cells, until the cell tree routes for the API cell: queries
 * fan out to every cell and are merged; an instance's operations go to the cell its mapping names
 * (asking every cell when there is no mapping); a build goes to one cell chosen by what the request
 * needs (forced host, server group, availability zone, aggregate extra specs) and by free RAM. The
 * mapping is written before the build is sent (cells v2's InstanceMapping).
 */
import { InstanceNotFound, NotFound } from '../../runtime/errors/index.ts';
import type { AggregateWithHosts, BuildInstancesBody, InstanceTask } from '../conductor/messages.ts';
import type { InstanceAction } from '../conductor/instance-store.ts';
import type { InstanceRecord } from '../conductor/records.ts';
import type { PowerAction } from '../compute/states.ts';
import { NotImplementedByCells, type CellsPort, type ComputeNodeView, type InstanceView, type RequestContext, type ServiceUpdate, type ServiceView } from './compute-api.ts';

export interface NamedCell {
  name: string;
  port: CellsPort;
}

export interface FanoutOptions {
  /** The cell an instance was placed in, if known. */
  cellOf(uuid: string): string | null | undefined;
  /** Record where instances go, before the build is sent. */
  onPlaced(uuids: string[], cell: string, body: BuildInstancesBody): Promise<void>;
  /** The aggregates a host belongs to (zone and metadata), for choosing a cell. */
  aggregatesOf(host: string): AggregateWithHosts[];
  /** The zone of hosts in no zone aggregate. */
  defaultZone: string;
}

const AGG_PREFIX = 'aggregate_instance_extra_specs:';

export class FanoutCellsPort implements CellsPort {
  private readonly byName: Map<string, CellsPort>;

  constructor(private readonly cells: NamedCell[], private readonly opts: FanoutOptions) {
    this.byName = new Map(cells.map((c) => [c.name, c.port]));
  }

  private async owner(uuid: string, reqId: string): Promise<CellsPort> {
    const known = this.opts.cellOf(uuid);
    const port = known ? this.byName.get(known) : undefined;
    if (port) return port;
    for (const c of this.cells) {
      const found = await c.port.get(uuid, reqId).then(() => true, () => false);
      if (found) return c.port;
    }
    throw new InstanceNotFound(uuid);
  }

  /** Can this host take the request, as far as zones and aggregate extra specs go? */
  private hostFits(host: string, body: BuildInstancesBody): boolean {
    const aggs = this.opts.aggregatesOf(host);
    const zone = aggs.find((a) => a.availabilityZone)?.availabilityZone ?? this.opts.defaultZone;
    if (body.spec.availabilityZone && body.spec.availabilityZone !== zone) return false;
    if (body.spec.forceHosts.length > 0 && !body.spec.forceHosts.includes(host)) return false;
    for (const [k, v] of Object.entries(body.spec.flavor.extraSpecs)) {
      if (!k.startsWith(AGG_PREFIX)) continue;
      const key = k.slice(AGG_PREFIX.length);
      if (!aggs.some((a) => a.metadata[key] !== undefined && v.split(',').map((x) => x.trim()).includes(a.metadata[key]!))) return false;
    }
    return true;
  }

  private async chooseCell(body: BuildInstancesBody, reqId: string): Promise<NamedCell> {
    if (this.cells.length === 1) return this.cells[0]!;
    const group = body.spec.instanceGroup;
    const scored: Array<{ cell: NamedCell; free: number; hosts: string[] }> = [];
    for (const cell of this.cells) {
      const nodes = await cell.port.listComputeNodes(reqId).catch(() => [] as ComputeNodeView[]);
      const fit = nodes.filter((n) => n.serviceUp && !n.serviceDisabled && this.hostFits(n.host, body));
      const free = fit.reduce((a, n) => a + (n.memoryMb * 1.5 - n.memoryMbUsed), 0);
      scored.push({ cell, free, hosts: nodes.map((n) => n.host) });
    }
    if (group && group.hosts.length > 0 && (group.policy === 'affinity' || group.policy === 'soft-affinity')) {
      const home = scored.find((s) => s.hosts.some((h) => group.hosts.includes(h)));
      if (home) return home.cell;
    }
    const best = scored.filter((s) => s.free > 0).sort((a, b) => b.free - a.free)[0];
    return (best ?? scored[0]!).cell;
  }

  async build(body: BuildInstancesBody, reqId: string): Promise<void> {
    const cell = await this.chooseCell(body, reqId);
    await this.opts.onPlaced(body.instances.map((i) => i.uuid), cell.name, body);
    await cell.port.build(body, reqId);
  }

  async get(uuid: string, reqId: string): Promise<InstanceView> {
    return (await this.owner(uuid, reqId)).get(uuid, reqId);
  }

  async list(projectId: string | undefined, reqId: string): Promise<InstanceRecord[]> {
    const parts = await Promise.all(this.cells.map((c) => c.port.list(projectId, reqId)));
    return parts.flat();
  }

  async delete(uuid: string, ctx: RequestContext): Promise<void> {
    await (await this.owner(uuid, ctx.reqId)).delete(uuid, ctx);
  }

  async powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void> {
    await (await this.owner(uuid, ctx.reqId)).powerAction(uuid, action, ctx);
  }

  async actions(uuid: string, reqId: string): Promise<InstanceAction[]> {
    return (await this.owner(uuid, reqId)).actions(uuid, reqId);
  }

  async consoleOutput(uuid: string, length: number | undefined, reqId: string): Promise<string> {
    return (await this.owner(uuid, reqId)).consoleOutput(uuid, length, reqId);
  }

  async instanceTask(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void> {
    const port = await this.owner(uuid, ctx.reqId);
    if (!port.instanceTask) throw new NotImplementedByCells(`The cell does not support '${task.kind}' yet.`);
    await port.instanceTask(uuid, task, ctx);
  }

  async syncAggregates(aggregates: AggregateWithHosts[], reqId: string): Promise<void> {
    await Promise.all(this.cells.map((c) => c.port.syncAggregates(aggregates, reqId)));
  }

  async listServices(reqId: string): Promise<ServiceView[]> {
    const parts = await Promise.all(this.cells.map(async (c) => (await c.port.listServices(reqId)).map((s) => ({ ...s, cell: c.name }))));
    return parts.flat();
  }

  async listComputeNodes(reqId: string): Promise<ComputeNodeView[]> {
    const parts = await Promise.all(this.cells.map(async (c) => (await c.port.listComputeNodes(reqId)).map((n) => ({ ...n, cell: c.name }))));
    return parts.flat();
  }

  async updateService(change: ServiceUpdate, reqId: string): Promise<ServiceView> {
    for (const c of this.cells) {
      const services = await c.port.listServices(reqId);
      if (services.some((s) => s.host === change.host && s.binary === change.binary)) {
        return { ...(await c.port.updateService(change, reqId)), cell: c.name };
      }
    }
    throw new NotFound(`Service ${change.binary} on host ${change.host} could not be found.`);
  }
}

