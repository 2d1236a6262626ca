/**
 * /servers/{id}/tags (2.26+): list, replace all, delete all, and per-tag check/add/delete. At most 50
 * tags of at most 60 characters, without "," or "/". Tags are API-side data.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { hostUrl } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { checkNotLocked, loadServer } from './server-lookup.ts';
import { ensureMapping } from './servers.ts';
import { validate } from './validation.ts';
import { since } from './version.ts';
import { serverTags, type ServerModel } from './views/servers.ts';

type P = { Params: { id: string; tag?: string } };

const MAX_TAGS = 50;
const tag = z.string().min(1).max(60).regex(/^[^,/]*$/, 'tags may not contain "," or "/"');
const tagsBody = z.object({ tags: z.array(tag).max(MAX_TAGS) }).strict();

function requireVersion(request: FastifyRequest): void {
  if (!since(request, '2.26')) throw new NotFound('The resource could not be found.');
}

async function save(deps: ComputeDeps, m: ServerModel, tags: string[]): Promise<void> {
  await ensureMapping(deps, m.inst.uuid, m.inst.projectId, m.inst.userId);
  await deps.store.instances.patch(m.inst.uuid, { tags });
}

export function registerServerTagRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/servers/:id/tags', async (request) => {
    requireVersion(request);
    return { tags: [...serverTags(await loadServer(deps, request, request.params.id))] };
  });
  app.put<P>('/servers/:id/tags', async (request) => {
    requireVersion(request);
    const body = validate(tagsBody, request.body);
    const m = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, m);
    const tags = [...new Set(body.tags)];
    await save(deps, m, tags);
    return { tags };
  });
  app.delete<P>('/servers/:id/tags', async (request, reply) => {
    requireVersion(request);
    const m = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, m);
    await save(deps, m, []);
    return reply.code(204).send();
  });
  app.get<P>('/servers/:id/tags/:tag', async (request, reply) => {
    requireVersion(request);
    const m = await loadServer(deps, request, request.params.id);
    if (!serverTags(m).includes(request.params.tag!)) throw new NotFound(`Tag ${request.params.tag} could not be found.`);
    return reply.code(204).send();
  });
  app.put<P>('/servers/:id/tags/:tag', async (request, reply) => {
    requireVersion(request);
    const t = request.params.tag!;
    if (!tag.safeParse(t).success) throw new BadRequest(`Tag '${t}' is invalid.`);
    const m = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, m);
    const tags = serverTags(m);
    if (tags.includes(t)) return reply.code(204).send();
    if (tags.length >= MAX_TAGS) throw new BadRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    await save(deps, m, [...tags, t]);
    const location = `${hostUrl(request, deps)}/compute/v2.1/servers/${m.inst.uuid}/tags/${encodeURIComponent(t)}`;
    return reply.code(201).header('location', location).send();
  });
  app.delete<P>('/servers/:id/tags/:tag', async (request, reply) => {
    requireVersion(request);
    const m = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, m);
    const tags = serverTags(m);
    if (!tags.includes(request.params.tag!)) throw new NotFound(`Tag ${request.params.tag} could not be found.`);
    await save(deps, m, tags.filter((x) => x !== request.params.tag));
    return reply.code(204).send();
  });
}
