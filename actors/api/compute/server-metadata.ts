/**
 * /servers/{id}/metadata: list, replace (PUT), merge (POST), and per-key show/set/delete. Metadata is
 * API-side data; writes count against the project's metadata_items quota (403) and a locked server
 * refuses its owner (409).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, InstanceInvalidState, NotFound } from '../../../runtime/errors/index.ts';
import type { ComputeDeps } from './deps.ts';
import { checkCount } from './quota-usage.ts';
import { checkNotLocked, loadServer } from './server-lookup.ts';
import { ensureMapping } from './servers.ts';
import { metadataSchema, validate } from './validation.ts';
import { serverMetadata, type ServerModel } from './views/servers.ts';

type P = { Params: { id: string; key?: string } };

const metadataBody = z.object({ metadata: metadataSchema }).strict();
const metaBody = z.object({ meta: metadataSchema.refine((m) => Object.keys(m).length === 1, 'meta must hold exactly one item') }).strict();

const WRITABLE = ['active', 'paused', 'suspended', 'stopped', 'shelved', 'shelved_offloaded'];

async function writable(deps: ComputeDeps, request: FastifyRequest, id: string): Promise<ServerModel> {
  const m = await loadServer(deps, request, id);
  checkNotLocked(request, m);
  if (!WRITABLE.includes(m.inst.vmState) || (m.inst.taskState !== null && m.inst.taskState !== undefined)) {
    throw new InstanceInvalidState(`Cannot 'update metadata' instance ${id} while it is in vm_state ${m.inst.vmState}`);
  }
  return m;
}

async function save(deps: ComputeDeps, m: ServerModel, metadata: Record<string, string>): Promise<Record<string, string>> {
  checkCount(deps.store.quotas.limits(m.inst.projectId), 'metadata_items', 0, Object.keys(metadata).length);
  await ensureMapping(deps, m.inst.uuid, m.inst.projectId, m.inst.userId);
  await deps.store.instances.patch(m.inst.uuid, { metadata });
  return metadata;
}

export function registerServerMetadataRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/servers/:id/metadata', async (request) => {
    const m = await loadServer(deps, request, request.params.id);
    return { metadata: { ...serverMetadata(m) } };
  });
  app.put<P>('/servers/:id/metadata', async (request) => {
    const body = validate(metadataBody, request.body);
    const m = await writable(deps, request, request.params.id);
    return { metadata: await save(deps, m, { ...body.metadata }) };
  });
  app.post<P>('/servers/:id/metadata', async (request) => {
    const body = validate(metadataBody, request.body);
    const m = await writable(deps, request, request.params.id);
    return { metadata: await save(deps, m, { ...serverMetadata(m), ...body.metadata }) };
  });
  app.get<P>('/servers/:id/metadata/:key', async (request) => {
    const m = await loadServer(deps, request, request.params.id);
    const key = request.params.key!;
    const md = serverMetadata(m);
    if (!Object.hasOwn(md, key)) throw new NotFound('Metadata item was not found');
    return { meta: { [key]: md[key]! } };
  });
  app.put<P>('/servers/:id/metadata/:key', async (request) => {
    const body = validate(metaBody, request.body);
    const key = request.params.key!;
    if (!Object.hasOwn(body.meta, key)) throw new BadRequest('Request body and URI mismatch');
    const m = await writable(deps, request, request.params.id);
    await save(deps, m, { ...serverMetadata(m), [key]: body.meta[key]! });
    return { meta: { [key]: body.meta[key]! } };
  });
  app.delete<P>('/servers/:id/metadata/:key', async (request, reply) => {
    const m = await writable(deps, request, request.params.id);
    const key = request.params.key!;
    const md = { ...serverMetadata(m) };
    if (!Object.hasOwn(md, key)) throw new NotFound('Metadata item was not found');
    delete md[key];
    await save(deps, m, md);
    return reply.code(204).send();
  });
}
