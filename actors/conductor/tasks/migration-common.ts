/**
 * What every move shares (nova/conductor/tasks/migrate.py, live_migrate.py): choosing a destination
 * with the scheduler and claiming it for the instance, handing the source allocation to the
 * migration's uuid as consumer (Nova's replace_allocation_with_migration) and back, recording the
 * instance action, and sending a step to a compute host.
 */
import { BadRequest, ComputeHostNotFound, InstanceInvalidState, NoValidHost, NovaError } from '../../../runtime/errors/index.ts';
import type { Flavor, Migration } from '../../objects/index.ts';
import { flavorResources } from '../../objects/index.ts';
import type { Selection } from '../../scheduler/types.ts';
import type { ConductorContext } from '../context.ts';
import type { InstanceTask, MoveStep } from '../messages.ts';
import type { InstanceRecord } from '../records.ts';
import { resyncUsage } from './build.ts';
import { fixedIpOf } from './fixed-ips.ts';

/** Move every allocation `from` holds to consumer `to` (same providers, same amounts). */
export function moveAllocations(ctx: ConductorContext, from: string, to: string): void {
  const allocs = ctx.placement.allocationsOf(from).map((a) => ({ ...a, resources: { ...a.resources } }));
  if (allocs.length === 0) return;
  ctx.placement.release(from);
  const now = ctx.clock.now();
  for (const a of allocs) ctx.placement.claim(to, a.providerUuid, a.resources, a.projectId, a.userId, now);
}

/** The instance's state must allow the move (nova/compute/api.py check_instance_state). */
export function checkMoveState(inst: InstanceRecord, action: string, vmStates: readonly string[]): void {
  if (!vmStates.includes(inst.vmState) || inst.taskState !== null) {
    throw new InstanceInvalidState(
      `Cannot '${action}' instance ${inst.uuid} while it is in vm_state ${inst.vmState}` + (inst.taskState ? ` and task_state ${inst.taskState}` : ''),
    );
  }
  if (!inst.host) throw new InstanceInvalidState(`Instance ${inst.uuid} has no host`);
}

/** A named destination must be a compute host of this cell (Nova: ComputeHostNotFound → 400). */
export function checkHostExists(ctx: ConductorContext, host: string): void {
  if (ctx.hostManager.nodesOf(host).length === 0) throw new BadRequest(new ComputeHostNotFound(`Compute host ${host} could not be found.`).message);
}

export interface DestinationRequest {
  flavor: Flavor;
  /** A host the caller named (filters still run, as for Nova's requested_destination). */
  host: string | null;
  ignoreHosts: string[];
  checkType: 'migrate' | 'resize' | 'live_migrate' | 'rebuild';
}

/**
 * Pick and claim a destination for the instance (consumer: the instance uuid). Throws BadRequest
 * with Nova's NoValidHost message when nothing fits.
 */
export function selectDestination(ctx: ConductorContext, inst: InstanceRecord, d: DestinationRequest): Selection {
  const resources = flavorResources(d.flavor);
  const now = ctx.clock.now();
  let chosen: Selection | undefined;
  try {
    chosen = ctx.scheduler.selectDestinations(
      {
        projectId: inst.projectId, userId: inst.userId, flavor: d.flavor, image: inst.image, availabilityZone: null,
        schedulerHints: { _nova_check_type: d.checkType }, instanceGroup: null,
        ignoreHosts: d.ignoreHosts, forceHosts: d.host ? [d.host] : [], forceNodes: [],
        instanceUuids: [inst.uuid], numInstances: 1, retry: { numAttempts: 1, hosts: [] },
      },
      ctx.hostManager,
      (sel) => ctx.placement.claim(sel.instanceUuid, sel.uuid, resources, inst.projectId, inst.userId, now),
    )[0]?.[0];
  } catch (e) {
    if (!(e instanceof NovaError)) throw e;
    throw new BadRequest(e instanceof NoValidHost ? e.message : new NoValidHost(e.message).message);
  }
  if (!chosen) throw new BadRequest(new NoValidHost().message);
  resyncUsage(ctx, chosen.uuid);
  return chosen;
}

/** Drop the instance's claim on one provider (a destination given up). */
export function releaseOn(ctx: ConductorContext, consumer: string, providerUuid: string | null): void {
  if (providerUuid) ctx.placement.release(consumer, providerUuid);
}

export function providerOf(ctx: ConductorContext, host: string | null): string | null {
  return host ? (ctx.hostManager.nodesOf(host)[0]?.uuid ?? null) : null;
}

/** The instance now lives on `host` as far as the scheduler is concerned. */
export function moveInstanceHost(ctx: ConductorContext, uuid: string, from: string | null, to: string): void {
  if (from && from !== to) ctx.hostManager.removeInstance(from, uuid);
  ctx.hostManager.addInstance(to, uuid);
}

export function spawnInstanceOf(inst: InstanceRecord, flavor: Flavor = inst.flavor) {
  return {
    uuid: inst.uuid, name: inst.displayName, hostname: inst.hostname, projectId: inst.projectId, userId: inst.userId,
    flavor, image: inst.image, metadata: inst.metadata, network: fixedIpOf(inst),
  };
}

/** Cast one move step to a compute host. */
export async function sendStep(
  ctx: ConductorContext, host: string, inst: InstanceRecord, step: Omit<MoveStep, 'migrationId'>, m: Migration, reqId: string,
  opts: { flavor?: Flavor; powerOn: boolean },
): Promise<void> {
  await ctx.bus.cast(ctx.computeTopic(host), {
    type: 'compute_instance_task', reqId,
    body: { uuid: inst.uuid, task: { ...step, migrationId: m.id }, instance: spawnInstanceOf(inst, opts.flavor), powerOn: opts.powerOn },
  });
}

/** Cast an abort or force-complete to the source of a live migration. */
export async function sendLiveControl(
  ctx: ConductorContext, inst: InstanceRecord, task: Extract<InstanceTask, { kind: 'abort_migration' | 'force_complete' }>, reqId: string,
): Promise<void> {
  await ctx.bus.cast(ctx.computeTopic(inst.host!), {
    type: 'compute_instance_task', reqId, body: { uuid: inst.uuid, task, instance: spawnInstanceOf(inst), powerOn: true },
  });
}

/** The instance action of a move, with the request's user (Nova's InstanceAction). */
export function startMoveAction(ctx: ConductorContext, inst: InstanceRecord, action: string, reqId: string, userId: string | undefined) {
  return ctx.store.startAction(inst.uuid, action, reqId, userId ?? '', inst.projectId);
}

/** Finish the last action of that name on the instance. */
export function finishMoveAction(ctx: ConductorContext, uuid: string, action: string, error: string | null = null): void {
  const a = ctx.store.lastAction(uuid, action);
  if (a && a.finishTime === null) ctx.store.finishAction(a, error);
}
