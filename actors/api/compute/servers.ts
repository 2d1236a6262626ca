/**
 * The servers collection: list (ids and names), detail, show, create, update (name, description,
 * access IPs, disk config, hostname) and delete. GET /servers/{name} is 404 — the CLI relies on it
 * to fall back to ?name= — and so is another project's server.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { contextOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { nextLinks, pageOf, paginate } from './pagination.ts';
import { createServer } from './server-create.ts';
import { parseServerQuery, sortServers } from './server-list.ts';
import { addHostStatus, checkNotLocked, listServers, loadServer } from './server-lookup.ts';
import { isIPv4, isIPv6, novaName, validate, canonicalIPv6 } from './validation.ts';
import { isLegacyV2, since } from './version.ts';
import { serverBasic, serverShow, serverUpdated } from './views/servers.ts';

type IdParams = { Params: { id: string } };

async function listing(deps: ComputeDeps, request: FastifyRequest, detail: boolean) {
  const query = parseServerQuery(request);
  if (query.empty) return { servers: [] };
  const all = sortServers((await listServers(deps, request, query.allTenants)).filter(query.filter));
  const page = pageOf(request);
  const models = paginate(all, page, deps.settings.maxLimit, (m) => m.inst.uuid);
  if (detail && since(request, '2.16')) await addHostStatus(deps, request, models);
  const servers = models.map((m) => (detail ? serverShow(request, deps, m, true) : serverBasic(request, deps, m)));
  const links = nextLinks(request, deps, detail ? 'servers/detail' : 'servers', page, models.map((m) => m.inst.uuid), deps.settings.maxLimit);
  return links ? { servers, servers_links: links } : { servers };
}

function updateSchema(request: FastifyRequest) {
  const shape: Record<string, z.ZodType> = {
    name: novaName(255, isLegacyV2(request)).optional(),
    accessIPv4: z.string().refine((s) => s === '' || isIPv4(s), 'is not a valid IPv4 address').optional(),
    accessIPv6: z.string().refine((s) => s === '' || isIPv6(s), 'is not a valid IPv6 address').optional(),
    'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
  };
  if (since(request, '2.19')) shape['description'] = z.string().max(255).nullable().optional();
  if (since(request, '2.90')) shape['hostname'] = z.string().min(1).max(255).regex(/^[a-zA-Z0-9.-]+$/).optional();
  return z.object({ server: z.object(shape).strict() }).strict();
}

export function registerServerRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/servers', async (request) => listing(deps, request, false));
  app.get('/servers/detail', async (request) => listing(deps, request, true));

  app.get<IdParams>('/servers/:id', async (request) => {
    const m = await loadServer(deps, request, request.params.id);
    if (since(request, '2.16')) await addHostStatus(deps, request, [m]);
    return { server: serverShow(request, deps, m) };
  });

  app.post('/servers', async (request, reply) => {
    const r = await createServer(deps, request);
    if (r.location) reply.header('location', r.location);
    return reply.code(r.status).send(r.body);
  });

  app.put<IdParams>('/servers/:id', async (request) => {
    const body = validate(updateSchema(request), request.body).server as Record<string, unknown>;
    const m = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, m);
    const patch: Record<string, unknown> = {};
    if (body['name'] !== undefined) patch['name'] = body['name'];
    if (body['accessIPv4'] !== undefined) patch['accessIPv4'] = body['accessIPv4'];
    if (body['accessIPv6'] !== undefined) patch['accessIPv6'] = body['accessIPv6'] ? canonicalIPv6(body['accessIPv6'] as string) : '';
    if (body['OS-DCF:diskConfig'] !== undefined) patch['autoDiskConfig'] = body['OS-DCF:diskConfig'] === 'AUTO';
    if (body['description'] !== undefined) patch['description'] = body['description'];
    if (body['hostname'] !== undefined) patch['hostname'] = body['hostname'];
    await ensureMapping(deps, m.inst.uuid, m.inst.projectId, m.inst.userId);
    m.attrs = await deps.store.instances.patch(m.inst.uuid, patch);
    if (since(request, '2.75') && since(request, '2.16')) await addHostStatus(deps, request, [m]);
    return { server: serverUpdated(request, deps, m, false) };
  });

  app.delete<IdParams>('/servers/:id', async (request, reply) => {
    const m = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, m);
    await deleteServer(deps, request, m.inst.uuid);
    return reply.code(204).send();
  });
}

/**
 * Delete through the cells, then drop the server from its group and mark its mapping. The server's
 * actions are kept with the mapping, since the cell forgets them once the instance is gone.
 */
export async function deleteServer(deps: ComputeDeps, request: FastifyRequest, uuid: string): Promise<void> {
  const ctx = contextOf(request);
  const before = await deps.compute.actions(uuid, ctx).catch(() => []);
  await deps.compute.delete(uuid, ctx);
  let actions = await deps.compute.actions(uuid, ctx).catch(() => undefined);
  if (!actions) {
    // The cell forgot the instance at once (it never reached a host): record the delete ourselves.
    const now = Math.max(deps.clock.now(), ...before.map((a) => a.startTime + 1));
    const owner = before[0];
    actions = [...before, {
      id: request.id, instanceUuid: uuid, action: 'delete', requestId: request.id, userId: ctx.userId,
      projectId: owner?.projectId ?? ctx.projectId, startTime: now, finishTime: now, message: null, events: [],
    }];
  }
  const mapping = deps.store.instances.get(uuid);
  if (mapping) await deps.store.instances.patch(uuid, { archivedActions: actions.map(({ id: _id, ...a }) => a) });
  const g = deps.store.groups.ofInstance(uuid);
  if (g) await deps.store.groups.setMembers(g, g.members.filter((x) => x !== uuid));
  await deps.store.instances.markDeleted(uuid, deps.clock.now());
}

/** Servers created before the API cell tracked them get a mapping on first change. */
export async function ensureMapping(deps: ComputeDeps, uuid: string, projectId: string, userId: string): Promise<void> {
  if (deps.store.instances.get(uuid)) return;
  await deps.store.instances.create({ uuid, projectId, userId, cell: null, attrs: {}, createdAt: deps.clock.now(), deletedAt: null });
}

