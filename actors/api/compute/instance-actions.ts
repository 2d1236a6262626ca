/**
 * os-instance-actions: what was done to a server, newest first, and one action with its events.
 * Events show for everyone from 2.51 (before: admins only); tracebacks and the host only for admins;
 * the hashed hostId from 2.62. From 2.58 actions carry updated_at and page with limit/marker.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFound } from '../../../runtime/errors/index.ts';
import type { ArchivedAction } from '../db/index.ts';
import { callerOf, contextOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { pageOf, paginate } from './pagination.ts';
import { loadServer } from './server-lookup.ts';
import { since } from './version.ts';
import { hostId } from './views/servers.ts';

type P = { Params: { id: string; req?: string } };

function naive(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

function actionView(request: FastifyRequest, a: ArchivedAction): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: a.action, instance_uuid: a.instanceUuid, request_id: a.requestId, user_id: a.userId, project_id: a.projectId,
    start_time: naive(a.startTime), message: a.message,
  };
  if (since(request, '2.58')) {
    const last = Math.max(a.finishTime ?? a.startTime, ...a.events.map((e) => e.finishTime ?? e.startTime));
    out['updated_at'] = naive(last);
  }
  return out;
}

/** A deleted server's actions, kept by the API (2.21+ shows them); undefined when there are none to show. */
function archived(deps: ComputeDeps, request: FastifyRequest, id: string): ArchivedAction[] | undefined {
  const mapping = deps.store.instances.get(id);
  const caller = callerOf(request);
  if (!since(request, '2.21') || !mapping || mapping.deletedAt === null || !mapping.attrs.archivedActions) return undefined;
  if (!caller.isAdmin && mapping.projectId !== caller.projectId) return undefined;
  return mapping.attrs.archivedActions;
}

async function actionsOf(deps: ComputeDeps, request: FastifyRequest, id: string): Promise<ArchivedAction[]> {
  let list: ArchivedAction[];
  try {
    const m = await loadServer(deps, request, id);
    list = await deps.compute.actions(m.inst.uuid, contextOf(request));
  } catch (e) {
    const kept = e instanceof NotFound ? archived(deps, request, id) : undefined;
    if (!kept) throw e;
    list = kept;
  }
  return [...list].sort((a, b) => b.startTime - a.startTime);
}

export function registerInstanceActionRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/servers/:id/os-instance-actions', async (request) => {
    let list = await actionsOf(deps, request, request.params.id);
    if (since(request, '2.58')) list = paginate(list, pageOf(request), deps.settings.maxLimit, (a) => a.requestId);
    return { instanceActions: list.map((a) => actionView(request, a)) };
  });

  app.get<P>('/servers/:id/os-instance-actions/:req', async (request) => {
    const list = await actionsOf(deps, request, request.params.id);
    const a = list.find((x) => x.requestId === request.params.req);
    if (!a) throw new NotFound(`Action ${request.params.req} not found`);
    const out = actionView(request, a);
    const admin = callerOf(request).isAdmin;
    if (admin || since(request, '2.51')) {
      out['events'] = a.events.map((e) => {
        const ev: Record<string, unknown> = {
          event: e.event, start_time: naive(e.startTime), finish_time: naive(e.finishTime), result: e.result,
        };
        if (admin) ev['traceback'] = e.traceback;
        if (admin && since(request, '2.62')) ev['host'] = e.host ?? '';
        if (since(request, '2.62')) ev['hostId'] = hostId(e.host, a.projectId);
        if (since(request, '2.84') && admin) ev['details'] = e.result === 'Error' ? (e.traceback ?? null) : null;
        return ev;
      });
    }
    return { instanceAction: out };
  });
}
