/**
 * Finding servers for a request: by id through the cells (a non-uuid or another project's server is
 * 404, as Nova answers), and whole lists with the API-side attributes merged in. Also the state
 * checks every action shares (locked, task in progress).
 */
import type { FastifyRequest } from 'fastify';
import { Conflict, InstanceNotFound, NotFound } from '../../../runtime/errors/index.ts';
import type { InstanceView, ServiceView } from '../compute-api.ts';
import type { InstanceRecord } from '../../conductor/records.ts';
import { callerOf, contextOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { isUuidLike } from './validation.ts';
import type { ServerModel } from './views/servers.ts';

export function modelOf(deps: ComputeDeps, inst: InstanceView | InstanceRecord): ServerModel {
  const view: InstanceView = 'fault' in inst ? inst : { ...inst, fault: null };
  return {
    inst: view,
    attrs: deps.store.instances.attrs(inst.uuid),
    group: deps.store.groups.ofInstance(inst.uuid)?.uuid ?? null,
  };
}

/** The server with this id if the caller may see it; InstanceNotFound (404) otherwise. */
export async function loadServer(deps: ComputeDeps, request: FastifyRequest, id: string): Promise<ServerModel> {
  const caller = callerOf(request);
  if (!isUuidLike(id)) throw new InstanceNotFound(id);
  let inst: InstanceView;
  try {
    inst = await deps.compute.get(id, contextOf(request));
  } catch (e) {
    if (e instanceof NotFound) throw new InstanceNotFound(id);
    throw e;
  }
  if (!caller.isAdmin && inst.projectId !== caller.projectId) throw new InstanceNotFound(id);
  return modelOf(deps, inst);
}

/** Servers the caller may list: its project's, or every project's for an admin asking for all. */
export async function listServers(deps: ComputeDeps, request: FastifyRequest, allProjects: boolean): Promise<ServerModel[]> {
  const caller = callerOf(request);
  const list = await deps.compute.list(contextOf(request), allProjects && caller.isAdmin);
  return list.filter((i) => !i.deleted).map((i) => modelOf(deps, i));
}

/** Nova's host_status: UP, DOWN, MAINTENANCE (disabled), UNKNOWN, or '' without a host. */
export function hostStatusOf(host: string | null, services: ServiceView[]): string {
  if (!host) return '';
  const s = services.find((x) => x.host === host && x.binary === 'nova-compute');
  if (!s) return 'UNKNOWN';
  if (s.forcedDown) return 'DOWN';
  if (s.disabled) return 'MAINTENANCE';
  return s.up ? 'UP' : 'DOWN';
}

/**
 * How long a server show or list waits for the cells' services before printing host_status UNKNOWN:
 * a cell that does not answer (stopped, or slow) must not hold up every admin's GET /servers/{id}
 * (Nova's own answer for a cell it cannot reach, microversion 2.69, is a partial record at once).
 */
export const HOST_STATUS_WAIT_MS = 2_000;

/** Fill in host_status for admins at 2.16+ (one services query per request, bounded by HOST_STATUS_WAIT_MS). */
export async function addHostStatus(deps: ComputeDeps, request: FastifyRequest, models: ServerModel[]): Promise<void> {
  if (!callerOf(request).isAdmin || models.length === 0) return;
  let timer: ReturnType<typeof deps.clock.setTimeout> | undefined;
  const late = new Promise<undefined>((r) => (timer = deps.clock.setTimeout(() => r(undefined), HOST_STATUS_WAIT_MS)));
  const services = await Promise.race([deps.compute.services(contextOf(request)).catch(() => [] as ServiceView[]), late]);
  deps.clock.clearTimer(timer);
  for (const m of models) m.hostStatus = services ? hostStatusOf(m.inst.host, services) : m.inst.host ? 'UNKNOWN' : '';
}

/** Nova's check_instance_lock: a locked server refuses its owner (not an admin) with 409. */
export function checkNotLocked(request: FastifyRequest, m: ServerModel): void {
  if (m.attrs.locked && !callerOf(request).isAdmin) {
    throw new Conflict(`Instance ${m.inst.uuid} is locked`);
  }
}

/** Nova's check_instance_state: the vm_state must be one of `vmStates`, and no task running. */
export function checkState(m: ServerModel, action: string, vmStates: readonly string[], taskStates: readonly (string | null)[] = [null]): void {
  const i = m.inst;
  if (!vmStates.includes(i.vmState) || !taskStates.includes(i.taskState)) {
    const which = !vmStates.includes(i.vmState) ? `vm_state ${i.vmState}` : `task_state ${i.taskState}`;
    throw new Conflict(`Cannot '${action}' instance ${i.uuid} while it is in ${which}`);
  }
}
