/**
 * ComputeAPI: the internal facade the REST layer calls (nova/compute/api.py). It validates a request,
 * names the new instances, and hands the work to the cells through a CellsPort: straight to one cell's
 * conductor here, through the API cell's router in a federation.
 */
import type { Migration, MigrationFilter } from '../objects/index.ts';
import type { WireContext } from '../../runtime/bus/index.ts';
import type { Diagnostics, FaultView } from '../objects/index.ts';
import { BadRequest, NovaError } from '../../runtime/errors/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { AggregateWithHosts, BuildInstancesBody, BuildSpec, InstanceTask, NewInstance } from '../conductor/messages.ts';
import type { InstanceRecord } from '../conductor/records.ts';
import type { ServiceRecord } from '../conductor/service-tracker.ts';
import type { InstanceAction } from '../conductor/instance-store.ts';
import type { FlavorSpec, ImageSpec, InstanceGroupSpec } from '../scheduler/types.ts';
import type { PowerAction } from '../compute/states.ts';
import type { ConnectInfo, ConsoleType } from '../console/console-auth-token.ts';

export interface RequestContext {
  projectId: string;
  userId: string;
  reqId: string;
  isAdmin?: boolean;
}

/** The caller's context as it travels with a message (the request id travels beside it). */
export function wireContext(ctx: RequestContext): WireContext {
  return { userId: ctx.userId, projectId: ctx.projectId, roles: ctx.isAdmin ? ['admin'] : [] };
}

export type InstanceView = InstanceRecord & { fault: FaultView | null };

/** A nova-compute / nova-conductor service as the os-services API shows it; `cell` names its cell. */
export type ServiceView = ServiceRecord & { cell?: string };

/** A compute node (hypervisor) with its usage, as the os-hypervisors API shows it. */
export interface ComputeNodeView {
  host: string;
  nodename: string;
  uuid: string;
  hypervisorType: string;
  hypervisorVersion: number;
  cpuArch: string;
  cpuInfo: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  runningVms: number;
  hostIp: string;
  serviceUp: boolean;
  serviceDisabled: boolean;
  cell?: string;
}

export interface ServiceUpdate {
  host: string;
  binary: string;
  disabled?: boolean;
  disabledReason?: string | null;
  forcedDown?: boolean;
}

/** How the API reaches the cell that owns an instance. */
export interface CellsPort {
  /** Push the host aggregates (AZs, metadata) to every cell, for their schedulers. */
  syncAggregates(aggregates: AggregateWithHosts[], reqId: string): Promise<void>;
  listServices(reqId: string): Promise<ServiceView[]>;
  listComputeNodes(reqId: string): Promise<ComputeNodeView[]>;
  updateService(change: ServiceUpdate, reqId: string): Promise<ServiceView>;
  build(body: BuildInstancesBody, reqId: string): Promise<void>;
  get(uuid: string, reqId: string): Promise<InstanceView>;
  list(projectId: string | undefined, reqId: string): Promise<InstanceRecord[]>;
  delete(uuid: string, ctx: RequestContext): Promise<void>;
  powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void>;
  actions(uuid: string, reqId: string): Promise<InstanceAction[]>;
  consoleOutput(uuid: string, length: number | undefined, reqId: string): Promise<string>;
  /** Rebuild, resize, shelve, rescue, snapshot, reset-state (optional until every cell serves them). */
  instanceTask?(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void>;
  /** The guest's diagnostics from its compute host (optional until every cell serves them). */
  getDiagnostics?(uuid: string, reqId: string): Promise<Diagnostics>;
  /** Have the guest's compute host issue a console token (stored by hash in the guest's leaf cell). */
  getConsole?(uuid: string, consoleType: ConsoleType, reqId: string): Promise<IssuedToken>;
  /** Migration records of every leaf cell, each with the cell it came from (os-migrations). */
  listMigrations?(filter: MigrationFilter, reqId: string): Promise<Migration[]>;
  /** Find a console token by its sha256 wherever it lives; null when unknown or expired. */
  validateConsoleToken?(tokenHash: string, checkPort: boolean, reqId: string): Promise<ConnectInfo | null>;
}

/** A console token as the leaf cell issued it: the clear token only ever travels in this answer. */
export interface IssuedToken {
  token: string;
  expires: number;
  instanceUuid: string;
}

/** An operation the cells do not serve (yet): Nova's 501 notImplemented. */
export class NotImplementedByCells extends NovaError {
  override readonly code = 501;
  override readonly fault = 'notImplemented';
}

export interface CreateRequest {
  name: string;
  flavor: FlavorSpec;
  image: ImageSpec;
  imageRef?: string;
  minCount?: number;
  maxCount?: number;
  availabilityZone?: string | null;
  metadata?: Record<string, string>;
  keyName?: string | null;
  schedulerHints?: Record<string, string | string[]>;
  instanceGroup?: InstanceGroupSpec | null;
  extra?: Record<string, unknown>;
  forceHosts?: string[];
}

export interface CreateResult {
  reservationId: string;
  instanceUuids: string[];
}

/** Hostname from a display name, as nova.utils.sanitize_hostname does. */
export function sanitizeHostname(name: string, fallback: string): string {
  const h = name
    .toLowerCase()
    .replace(/[ _]/g, '-')
    .replace(/[^\w.-]+/g, '')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63);
  return h || fallback;
}

export class ComputeAPI {
  constructor(
    private readonly cells: CellsPort,
    private readonly clock: Clock,
    private readonly rng: RandomStream,
  ) {}

  async create(req: CreateRequest, ctx: RequestContext): Promise<CreateResult> {
    const min = req.minCount ?? 1;
    const max = req.maxCount ?? min;
    if (!Number.isInteger(min) || min < 1) throw new BadRequest('min_count must be an integer greater than 0');
    if (!Number.isInteger(max) || max < min) throw new BadRequest('min_count must be <= max_count');
    if (!req.name || req.name.length > 255) throw new BadRequest('Invalid server name');
    const reservationId = `r-${this.rng.hex(4)}`;
    const now = this.clock.now();
    const instances: NewInstance[] = [];
    for (let i = 0; i < max; i++) {
      const uuid = this.rng.uuid4();
      const displayName = max > 1 ? `${req.name}-${i + 1}` : req.name;
      instances.push({
        uuid, displayName, hostname: sanitizeHostname(displayName, `server-${uuid}`), launchIndex: i, reservationId,
        imageRef: req.imageRef ?? req.image.id, keyName: req.keyName ?? null, metadata: req.metadata ?? {},
        extra: req.extra ?? {}, createdAt: now,
      });
    }
    const spec: BuildSpec = {
      projectId: ctx.projectId, userId: ctx.userId, flavor: req.flavor, image: req.image,
      availabilityZone: req.availabilityZone ?? null, schedulerHints: req.schedulerHints ?? {},
      instanceGroup: req.instanceGroup ?? null, ignoreHosts: [], forceHosts: req.forceHosts ?? [], forceNodes: [],
    };
    await this.cells.build({ instances, spec }, ctx.reqId);
    return { reservationId, instanceUuids: instances.map((i) => i.uuid) };
  }

  get(uuid: string, ctx: RequestContext): Promise<InstanceView> {
    return this.cells.get(uuid, ctx.reqId);
  }

  list(ctx: RequestContext, allProjects = false): Promise<InstanceRecord[]> {
    return this.cells.list(allProjects ? undefined : ctx.projectId, ctx.reqId);
  }

  delete(uuid: string, ctx: RequestContext): Promise<void> {
    return this.cells.delete(uuid, ctx);
  }

  powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void> {
    return this.cells.powerAction(uuid, action, ctx);
  }

  actions(uuid: string, ctx: RequestContext): Promise<InstanceAction[]> {
    return this.cells.actions(uuid, ctx.reqId);
  }

  consoleOutput(uuid: string, length: number | undefined, ctx: RequestContext): Promise<string> {
    return this.cells.consoleOutput(uuid, length, ctx.reqId);
  }

  /** Rebuild, resize, shelve, rescue, snapshot or reset-state, through the cell that owns the instance. */
  instanceTask(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void> {
    if (!this.cells.instanceTask) {
      return Promise.reject(new NotImplementedByCells(`The cells do not support '${task.kind}' yet.`));
    }
    return this.cells.instanceTask(uuid, task, ctx);
  }

  /** What the guest's hypervisor reports about it (GET /servers/{id}/diagnostics). */
  getDiagnostics(uuid: string, ctx: RequestContext): Promise<Diagnostics> {
    if (!this.cells.getDiagnostics) return Promise.reject(new NotImplementedByCells('The cells do not serve server diagnostics.'));
    return this.cells.getDiagnostics(uuid, ctx.reqId);
  }

  /** A console token for the server (remote-consoles, os-getVNCConsole & co.). */
  getConsole(uuid: string, consoleType: ConsoleType, ctx: RequestContext): Promise<IssuedToken> {
    if (!this.cells.getConsole) return Promise.reject(new NotImplementedByCells('The cells do not serve consoles.'));
    return this.cells.getConsole(uuid, consoleType, ctx.reqId);
  }

  validateConsoleToken(tokenHash: string, checkPort: boolean, reqId: string): Promise<ConnectInfo | null> {
    if (!this.cells.validateConsoleToken) return Promise.resolve(null);
    return this.cells.validateConsoleToken(tokenHash, checkPort, reqId);
  }

  syncAggregates(aggregates: AggregateWithHosts[], ctx: RequestContext): Promise<void> {
    return this.cells.syncAggregates(aggregates, ctx.reqId);
  }

  /** Migration records of every cell (os-migrations); none when the cells do not keep them. */
  migrations(filter: MigrationFilter, ctx: RequestContext): Promise<Migration[]> {
    if (!this.cells.listMigrations) return Promise.resolve([]);
    return this.cells.listMigrations(filter, ctx.reqId);
  }

  services(ctx: RequestContext): Promise<ServiceView[]> {
    return this.cells.listServices(ctx.reqId);
  }

  hypervisors(ctx: RequestContext): Promise<ComputeNodeView[]> {
    return this.cells.listComputeNodes(ctx.reqId);
  }

  updateService(change: ServiceUpdate, ctx: RequestContext): Promise<ServiceView> {
    return this.cells.updateService(change, ctx.reqId);
  }
}
