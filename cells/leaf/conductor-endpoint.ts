/**
 * Serves a cell's conductor topics with one handler table: calls are asked of the conductor's service
 * actor and answered, casts are told (the actor handles them one at a time). Each entry states who may
 * send it. The cell's own services (the API, the cell's node) may send anything; a compute host may
 * report only on itself and on instances scheduled to it, from its own report topic — it can neither
 * list nor delete instances, nor speak for another host; a live migration's progress comes only from
 * its source host.
 */
import { ask, tell, type ServiceRef } from '../../runtime/actor/index.ts';
import { HandlerTable, type Bus, type Delivery, type Verdict } from '../../runtime/bus/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { ConductorManager } from '../../actors/conductor/conductor-manager.ts';
import type { ConductorContext } from '../../actors/conductor/context.ts';
import {
  ActionResult, BuildInstances, MigrationProgress, HostGuests, BuildResult, ComputeNodeUpdate, ConsoleOutput, DeleteInstance, GetDiagnostics, GetInstance, GetInstanceActions, PowerStateReport,
  InstancePowerAction, InstanceTaskMessage, ListComputeNodes, ListInstances, ListServices, ServiceHeartbeat, SyncAggregates, UpdateService,
} from '../../actors/conductor/messages.ts';
import { describeSender, senderOf, type Sender } from '../security/principals.ts';
import { conductorInbox } from '../topics.ts';
import { GetConsole, ValidateConsoleToken } from '../../actors/console/messages.ts';
import { callPlacementOp, PlacementCall, placementOps } from '../../actors/placement/index.ts';
import { CrossCellStep, ListMigrations } from '../../actors/conductor/messages.ts';
import { stepFailed, type StepOutcome } from '../../actors/conductor/tasks/cross-cell.ts';
import { movingBetween } from '../../actors/conductor/tasks/migrations.ts';

/** Only the cell's own services. */
export const cellOnly = (s: Sender): Verdict => s.kind === 'cell' || `only the cell's own services may send this, not a ${s.kind}`;

/** The cell's services, or the compute host `host` names (a host reports only on itself). */
const selfReport = (s: Sender, host: string): Verdict =>
  s.kind === 'cell' || (s.kind === 'compute' && s.host === host) || `a report on host ${host} from another principal`;

/**
 * A compute host's report on an instance: about itself, and on an instance this cell scheduled to it
 * (its current host, or a host it was tried on — a late result for an earlier attempt still counts).
 */
function ownInstance(ctx: Pick<ConductorContext, 'store' | 'builds'> & Partial<Pick<ConductorContext, 'migrations'>>) {
  return (s: Sender, b: { uuid: string; host: string }): Verdict => {
    const self = selfReport(s, b.host);
    if (self !== true || s.kind === 'cell') return self;
    if (ctx.store.get(b.uuid)?.host === b.host || ctx.builds.get(b.uuid)?.triedHosts.includes(b.host)) return true;
    // Either end of a move under way reports on the instance too (resize, migration, evacuation).
    if (ctx.migrations && movingBetween({ migrations: ctx.migrations }, b.uuid, b.host)) return true;
    return `instance ${b.uuid} is not on host ${b.host}`;
  };
}

/** Live migration progress: only from the source host of that instance's migration under way. */
function migrationSource(ctx: Partial<Pick<ConductorContext, 'migrations'>>) {
  return (s: Sender, b: { uuid: string; host: string; migrationId: number }): Verdict => {
    const self = selfReport(s, b.host);
    if (self !== true || s.kind === 'cell') return self;
    const m = ctx.migrations?.inProgressFor(b.uuid);
    if (m && m.id === b.migrationId && m.migrationType === 'live-migration' && m.sourceCompute === b.host) return true;
    return `host ${b.host} is not the source of live migration ${b.migrationId} of instance ${b.uuid}`;
  };
}

/** A cross-cell step that answers once a compute host has done its part: `{done}` (actors/conductor/tasks/cross-cell.ts). */
function waitsForHost(r: unknown): r is { done: Promise<StepOutcome> } {
  return typeof r === 'object' && r !== null && 'done' in r && r.done instanceof Promise;
}

/** What the conductor endpoint reads; placement, clock and writer (when present) serve placement_call. */
type EndpointContext = Pick<ConductorContext, 'store' | 'builds'> & Partial<Pick<ConductorContext, 'placement' | 'clock' | 'writer' | 'migrations'>>;

export function conductorHandlers(
  cell: string, conductor: ServiceRef<ConductorManager>, ctx: EndpointContext, log: Logger,
): HandlerTable<Sender> {
  const { placement, clock, writer } = ctx;
  const ops = placement && clock ? placementOps(placement, () => clock.now()) : undefined;
  const reqId = (r: string | undefined) => r ?? '';
  const who = (d: Delivery<Sender>) => ({ userId: d.msg.context?.userId ?? '', projectId: d.msg.context?.projectId });
  return new HandlerTable<Sender>({ name: `conductor ${cell}`, senderOf: (m) => senderOf(cell, m.topic), describe: describeSender, log })
    .on(BuildInstances, { allow: cellOnly, handle: (b, d) => ask(conductor, 'buildInstances', b, reqId(d.msg.reqId)) })
    .on(DeleteInstance, { allow: cellOnly, handle: (b, d) => ask(conductor, 'deleteInstance', b.uuid, reqId(d.msg.reqId), who(d)) })
    .on(InstancePowerAction, { allow: cellOnly, handle: (b, d) => ask(conductor, 'powerAction', b.uuid, b.action, reqId(d.msg.reqId), who(d)) })
    .on(GetInstance, { allow: cellOnly, handle: (b) => ask(conductor, 'getInstance', b.uuid) })
    .on(ListInstances, { allow: cellOnly, handle: (b) => ask(conductor, 'listInstances', b.projectId) })
    .on(GetInstanceActions, { allow: cellOnly, handle: (b) => ask(conductor, 'instanceActions', b.uuid) })
    .on(ConsoleOutput, { allow: cellOnly, handle: (b) => ask(conductor, 'consoleOutput', b.uuid, b.length) })
    .on(GetDiagnostics, { allow: cellOnly, handle: (b) => ask(conductor, 'getDiagnostics', b.uuid) })
    .on(GetConsole, { allow: cellOnly, handle: (b) => ask(conductor, 'getConsole', b.uuid, b.consoleType) })
    .on(ValidateConsoleToken, { allow: cellOnly, handle: (b) => ask(conductor, 'validateConsoleToken', b.tokenHash, b.checkPort) })
    .on(ListServices, { allow: cellOnly, handle: () => ask(conductor, 'listServices') })
    .on(ListMigrations, { allow: cellOnly, handle: (b) => ask(conductor, 'listMigrations', b) })
    .on(ListComputeNodes, { allow: cellOnly, handle: () => ask(conductor, 'listComputeNodes') })
    .on(UpdateService, { allow: cellOnly, handle: (b) => ask(conductor, 'updateService', b) })
    .on(InstanceTaskMessage, {
      allow: cellOnly,
      handle: (b, d) => ask(conductor, 'instanceTask', { ...b, userId: d.msg.context?.userId ?? b.userId }, reqId(d.msg.reqId)),
    })
    .on(CrossCellStep, {
      allow: cellOnly,
      handle: async (b, d) => {
        const r = await ask(conductor, 'crossCell', b, reqId(d.msg.reqId), d.msg.context?.userId);
        // A step that waits for a compute host: awaited here, outside the conductor actor.
        if (!waitsForHost(r)) return r;
        const outcome = await r.done;
        if (!outcome.ok) throw stepFailed(`${b.op} of instance ${b.uuid}`, outcome);
        return outcome;
      },
    })
    .on(SyncAggregates, { allow: cellOnly, handle: (b) => ask(conductor, 'syncAggregates', b.aggregates) })
    .on(PlacementCall, {
      allow: cellOnly,
      // Synchronous against the cell's placement (never interleaved with a claim), durable before the answer.
      handle: async (b) => {
        if (!ops) return { ok: false, status: 503, code: 'placement.undefined_code', detail: `cell ${cell} serves no placement` };
        const r = callPlacementOp(ops, b.op, b.args);
        await writer?.commit();
        return r;
      },
    })
    .on(BuildResult, { allow: ownInstance(ctx), handle: (b) => tell(conductor, 'buildResult', b) })
    .on(ActionResult, { allow: ownInstance(ctx), handle: (b) => tell(conductor, 'actionResult', b) })
    .on(MigrationProgress, { allow: migrationSource(ctx), handle: (b) => tell(conductor, 'migrationProgress', b) })
    .on(PowerStateReport, { allow: ownInstance(ctx), handle: (b) => tell(conductor, 'powerStateReport', b) })
    .on(HostGuests, { allow: (s, b) => selfReport(s, b.host), handle: (b) => tell(conductor, 'hostGuests', b) })
    .on(ComputeNodeUpdate, { allow: (s, b) => selfReport(s, b.host), handle: (b) => tell(conductor, 'computeNodeUpdate', b) })
    .on(ServiceHeartbeat, { allow: (s, b) => selfReport(s, b.host), handle: (b) => tell(conductor, 'heartbeat', b.host, b.binary) });
}

/** Subscribe the conductor's handler table to its own topic and every host's report topic. */
export async function serveConductor(
  bus: Bus, cell: string, conductor: ServiceRef<ConductorManager>, ctx: EndpointContext, log: Logger,
): Promise<void> {
  await bus.subscribe(conductorInbox(cell), conductorHandlers(cell, conductor, ctx, log).handler());
}
