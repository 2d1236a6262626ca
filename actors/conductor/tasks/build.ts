/**
 * The build task (nova/conductor/manager.py schedule_and_build_instances + build_instances on
 * reschedule): schedule with claims, record the choice, make it durable, then cast to the compute host;
 * on a failed spawn, release the claim and try an alternate up to `[scheduler] max_attempts`; when
 * nothing is left, bury the instance in ERROR with a fault (NoValidHost / MaxRetriesExceeded).
 */
import { NoValidHost, NovaError } from '../../../runtime/errors/index.ts';
import { allocateFixedIp, fixedIpOf } from './fixed-ips.ts';
import type { RequestSpec, Selection } from '../../scheduler/types.ts';
import type { BuildResultBody, BuildSpec } from '../messages.ts';
import { TaskState, VmState } from '../../compute/states.ts';
import type { ConductorContext } from '../context.ts';
import type { Alternate, BuildRequest } from '../build-requests.ts';
import { flavorResources, guestDataOf } from '../../objects/index.ts';
import { applyProviderUsage } from '../usage.ts';
import { flavorTraits } from '../../placement/index.ts';

export const SCHEDULE_EVENT = 'conductor_schedule_and_build_instances';
export const COMPUTE_BUILD_EVENT = 'compute_build_and_run_instance';

function requestSpec(ctx: ConductorContext, spec: BuildSpec, uuids: string[], tried: string[], attempts: number): RequestSpec {
  // The request carries the group's hosts as the API cell knew them; members this cell placed since
  // then are added here, so concurrent builds of one group still see each other.
  let group = spec.instanceGroup;
  if (group) {
    const hosts = new Set(group.hosts);
    for (const m of group.members) {
      const h = ctx.store.get(m)?.host;
      if (h) hosts.add(h);
    }
    group = { ...group, hosts: [...hosts] };
  }
  return {
    ...spec,
    instanceGroup: group,
    instanceUuids: uuids,
    numInstances: uuids.length,
    ignoreHosts: [...spec.ignoreHosts, ...tried],
    retry: { numAttempts: attempts, hosts: tried },
  };
}

function claimer(ctx: ConductorContext, spec: BuildSpec) {
  const resources = flavorResources(spec.flavor);
  const now = ctx.clock.now();
  // trait:<NAME>=required|forbidden: placement's allocation candidates only offer providers that match.
  const { required, forbidden } = flavorTraits(spec.flavor.extraSpecs, spec.image?.properties);
  const traitsOk = required.length === 0 && forbidden.length === 0
    ? () => true
    : (uuid: string) => ctx.placement.hasTraits(uuid, required, forbidden);
  return (sel: Selection): boolean => traitsOk(sel.uuid) && ctx.placement.claim(sel.instanceUuid, sel.uuid, resources, spec.projectId, spec.userId, now);
}

/** Schedule the pending build requests of these instances (one multi-instance request) and dispatch them. */
export async function scheduleAndBuild(ctx: ConductorContext, uuids: string[]): Promise<void> {
  const pending = uuids
    .map((u) => ctx.builds.get(u))
    .filter((br): br is BuildRequest => !!br && br.state === 'pending' && ctx.store.get(br.instanceUuid)?.vmState === VmState.BUILDING);
  if (pending.length === 0) return;
  const spec = pending[0]!.spec;
  let selections: Selection[][];
  try {
    selections = ctx.scheduler.selectDestinations(
      requestSpec(ctx, spec, pending.map((b) => b.instanceUuid), [], 1),
      ctx.hostManager,
      claimer(ctx, spec),
    );
  } catch (e) {
    if (!(e instanceof NovaError)) throw e;
    if (ctx.handBack?.(pending, e.message)) {
      // The parent tries a sibling cell; nothing of these instances stays here.
      for (const br of pending) {
        ctx.builds.remove(br.instanceUuid);
        ctx.store.purge(br.instanceUuid);
      }
    } else {
      for (const br of pending) bury(ctx, br, e);
    }
    await ctx.writer.commit();
    return;
  }
  // The scheduler added its own consumption on top of the claims placement already counted: take the
  // usage of the chosen hosts back from placement, the source of truth.
  for (const sels of selections) if (sels[0]) resyncUsage(ctx, sels[0].uuid);
  const casts: Array<() => Promise<void>> = [];
  pending.forEach((br, i) => {
    const [chosen, ...alternates] = selections[i]!;
    ctx.schedulerLog.info(
      { request_id: br.requestId, instance_uuid: br.instanceUuid, host: chosen!.host, alternates: alternates.length },
      `selected host ${chosen!.host}`,
    );
    const action = ctx.store.lastAction(br.instanceUuid, 'create');
    if (action) ctx.store.eventFinish(action, SCHEDULE_EVENT, 'Success');
    casts.push(prepareDispatch(ctx, br, chosen!, alternates));
  });
  await ctx.writer.commit();
  await Promise.all(casts.map((c) => c()));
}

/** Record the chosen host (durably, by the caller's commit) and return the cast to run afterwards. */
function prepareDispatch(ctx: ConductorContext, br: BuildRequest, chosen: Alternate, alternates: Alternate[]): () => Promise<void> {
  br.state = 'dispatched';
  br.attempts++;
  br.host = { host: chosen.host, nodename: chosen.nodename, uuid: chosen.uuid };
  br.alternates = alternates.map((a) => ({ host: a.host, nodename: a.nodename, uuid: a.uuid }));
  br.triedHosts.push(chosen.host);
  ctx.builds.save(br, ctx.clock.now());
  ctx.hostManager.addInstance(chosen.host, br.instanceUuid);
  ctx.store.update(br.instanceUuid, { host: chosen.host, node: chosen.nodename, taskState: TaskState.SPAWNING });
  const inst = ctx.store.get(br.instanceUuid);
  if (inst) allocateFixedIp(ctx, inst);
  return () => sendBuild(ctx, br);
}

/** Cast build_and_run_instance for a dispatched build request (also used to replay after a restart). */
export async function sendBuild(ctx: ConductorContext, br: BuildRequest): Promise<void> {
  const inst = ctx.store.get(br.instanceUuid);
  if (!inst || !br.host) return;
  await ctx.bus.cast(ctx.computeTopic(br.host.host), {
    type: 'build_and_run_instance',
    reqId: br.requestId,
    body: {
      instance: {
        uuid: inst.uuid, name: inst.displayName, hostname: inst.hostname, projectId: inst.projectId, userId: inst.userId,
        flavor: inst.flavor, image: inst.image, metadata: inst.metadata, network: fixedIpOf(inst), guest: guestDataOf(inst),
      },
      node: br.host.nodename,
      attempt: br.attempts,
    },
  });
}

/** ERROR with a fault, allocations released, build request gone. */
export function bury(ctx: ConductorContext, br: BuildRequest, err: NovaError): void {
  const uuid = br.instanceUuid;
  ctx.placement.release(uuid);
  if (br.host) ctx.hostManager.removeInstance(br.host.host, uuid);
  ctx.builds.remove(uuid);
  if (!ctx.store.get(uuid)) return;
  ctx.store.addFault(uuid, err.code, err.message, err.stack ?? '', br.host?.host ?? null);
  ctx.store.update(uuid, { vmState: VmState.ERROR, taskState: null, host: br.host?.host ?? null });
  const action = ctx.store.lastAction(uuid, 'create');
  if (action) {
    if (br.state === 'pending') ctx.store.eventFinish(action, SCHEDULE_EVENT, 'Error', err.message);
    ctx.store.finishAction(action, err.message);
  }
  ctx.log.warn({ instance_uuid: uuid, request_id: br.requestId, host: br.host?.host ?? null, err: err.message }, 'build failed; instance set to ERROR');
}

/** A compute host reports how the spawn went. */
export async function onBuildResult(ctx: ConductorContext, r: BuildResultBody): Promise<void> {
  const br = ctx.builds.get(r.uuid);
  const inst = ctx.store.get(r.uuid);
  if (!br || !inst || br.state !== 'dispatched' || br.attempts !== r.attempt || br.host?.host !== r.host) {
    // A duplicate or a late result for an attempt we gave up on: if it left a guest behind on a host that
    // no longer owns the instance, clean it up there.
    if (r.ok && (!inst || inst.host !== r.host)) {
      await ctx.bus.cast(ctx.computeTopic(r.host), { type: 'terminate_instance', body: { uuid: r.uuid } });
    }
    return;
  }
  // An unshelve of an offloaded server is scheduled and spawned like a build, under its own action.
  const action = ctx.store.lastAction(r.uuid, inst.vmState === VmState.SHELVED_OFFLOADED ? 'unshelve' : 'create');
  if (inst.taskState === TaskState.DELETING) return;
  if (r.ok) {
    if (action) {
      ctx.store.eventStart(action, COMPUTE_BUILD_EVENT, r.host, r.startedAt);
      ctx.store.eventFinish(action, COMPUTE_BUILD_EVENT, 'Success', null, r.finishedAt);
      ctx.store.finishAction(action);
    }
    ctx.builds.remove(r.uuid);
    ctx.hostManager.resetBuildFailures(r.host);
    ctx.store.update(r.uuid, {
      vmState: VmState.ACTIVE, taskState: null, powerState: r.powerState, launchedAt: r.finishedAt,
    });
    return;
  }
  // Failed spawn: give the claim back and try elsewhere (Nova's reschedule).
  if (action) {
    ctx.store.eventStart(action, COMPUTE_BUILD_EVENT, r.host, r.startedAt);
    ctx.store.eventFinish(action, COMPUTE_BUILD_EVENT, 'Error', r.error?.message ?? null, r.finishedAt);
  }
  ctx.placement.release(r.uuid, br.host.uuid);
  ctx.hostManager.removeInstance(r.host, r.uuid);
  ctx.hostManager.recordBuildFailure(r.host);
  const max = ctx.config.scheduler.max_attempts;
  if (!r.error?.retryable || br.attempts >= max) {
    const why = !r.error?.retryable ? (r.error?.message ?? 'build failed') : `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${r.uuid}.`;
    bury(ctx, br, new NoValidHost(why));
    await ctx.writer.commit();
    return;
  }
  const next = pickAlternate(ctx, br);
  if (!next) {
    bury(ctx, br, new NoValidHost(`Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${r.uuid}.`));
    await ctx.writer.commit();
    return;
  }
  ctx.log.info({ request_id: br.requestId, instance_uuid: r.uuid, host: r.host, to: next.host, attempt: br.attempts + 1 }, 'rescheduling build');
  const cast = prepareDispatch(ctx, br, next, br.alternates.filter((a) => a.uuid !== next.uuid));
  await ctx.writer.commit();
  await cast();
}

export function resyncUsage(ctx: ConductorContext, providerUuid: string): void {
  const rp = ctx.placement.provider(providerUuid);
  if (rp) applyProviderUsage(ctx.hostManager, rp);
}

/** The first alternate that can still be claimed; failing that, a fresh scheduling pass without tried hosts. */
function pickAlternate(ctx: ConductorContext, br: BuildRequest): Alternate | undefined {
  const claim = claimer(ctx, br.spec);
  for (const alt of br.alternates) {
    if (br.triedHosts.includes(alt.host)) continue;
    if (claim({ host: alt.host, nodename: alt.nodename, uuid: alt.uuid, instanceUuid: br.instanceUuid })) return alt;
  }
  try {
    const [sel] = ctx.scheduler.selectDestinations(
      requestSpec(ctx, br.spec, [br.instanceUuid], br.triedHosts, br.attempts + 1),
      ctx.hostManager,
      claim,
    );
    const chosen = sel?.[0];
    if (chosen) resyncUsage(ctx, chosen.uuid);
    return chosen ? { host: chosen.host, nodename: chosen.nodename, uuid: chosen.uuid } : undefined;
  } catch (e) {
    if (e instanceof NovaError) return undefined;
    throw e;
  }
}
