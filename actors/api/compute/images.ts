/**
 * The compute image proxy (up to 2.35, 404 after, as in Nova): images of the registry in the compute
 * API's shape, with their properties as `metadata`. Writes go to the same registry Glance v2 serves.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isoSeconds } from '../../../runtime/clock/index.ts';
import { BadRequest, Forbidden, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { Image } from '../db/index.ts';
import { imageVisibleTo, imageWritableBy } from '../image/policy.ts';
import { callerOf, hostUrl, resourceLinks } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { nextLinks, pageOf, paginate } from './pagination.ts';
import { checkCount } from './quota-usage.ts';
import { metadataSchema, validate } from './validation.ts';
import { since } from './version.ts';

type P = { Params: { id: string; key?: string } };

const STATUS: Record<string, string> = {
  active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', uploading: 'SAVING', importing: 'SAVING', killed: 'ERROR',
  deleted: 'DELETED', pending_delete: 'DELETED', deactivated: 'ERROR',
};

function links(request: FastifyRequest, deps: ComputeDeps, img: Image) {
  return [
    ...resourceLinks(request, deps, 'images', img.id),
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${hostUrl(request, deps)}/image/images/${img.id}` },
  ];
}

function detail(request: FastifyRequest, deps: ComputeDeps, img: Image): Record<string, unknown> {
  const status = STATUS[img.status] ?? 'UNKNOWN';
  const out: Record<string, unknown> = {
    id: img.id, name: img.name ?? '', minRam: img.minRam, minDisk: img.minDisk, metadata: { ...img.properties },
    created: isoSeconds(img.createdAt), updated: isoSeconds(img.updatedAt), status,
    progress: status === 'ACTIVE' ? 100 : status === 'SAVING' ? 25 : 0, links: links(request, deps, img),
    'OS-EXT-IMG-SIZE:size': img.size ?? 0,
  };
  const server = img.properties['instance_uuid'];
  if (server) out['server'] = { id: server, links: resourceLinks(request, deps, 'servers', server) };
  return out;
}

function guard(request: FastifyRequest): void {
  if (since(request, '2.36')) throw new NotFound('The resource could not be found.');
}

function find(deps: ComputeDeps, request: FastifyRequest, id: string): Image {
  const img = deps.store.images.get(id);
  if (!img || !imageVisibleTo(img, callerOf(request))) throw new NotFound('Image not found.');
  return img;
}

async function setProperties(deps: ComputeDeps, request: FastifyRequest, img: Image, props: Record<string, string>): Promise<void> {
  const c = callerOf(request);
  if (!imageWritableBy(img, c)) throw new Forbidden('You are not authorized to change this image.');
  checkCount(deps.store.quotas.limits(c.projectId), 'metadata_items', 0, Object.keys(props).length);
  img.properties = props;
  img.updatedAt = deps.clock.now();
  await deps.store.images.save(img);
}

export function registerImageProxyRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const listing = (full: boolean) => async (request: FastifyRequest) => {
    guard(request);
    const c = callerOf(request);
    const q = (k: string) => queryValue(request.query, k);
    let list = deps.store.images.all().filter((i) => imageVisibleTo(i, c)).sort((a, b) => b.createdAt - a.createdAt);
    const name = q('name');
    if (name !== undefined) list = list.filter((i) => i.name === name);
    const status = q('status');
    if (status !== undefined) list = list.filter((i) => (STATUS[i.status] ?? '').toLowerCase() === status.toLowerCase());
    const server = q('server');
    if (server !== undefined) list = list.filter((i) => i.properties['instance_uuid'] === server.split('/').pop());
    const type = q('type');
    if (type !== undefined) list = list.filter((i) => i.properties['image_type'] === type);
    const since_ = q('changes-since');
    if (since_ !== undefined) {
      const t = Date.parse(since_);
      if (Number.isNaN(t)) throw new BadRequest('Invalid changes-since value');
      list = list.filter((i) => i.updatedAt >= t);
    }
    const minRam = q('minRam');
    if (minRam !== undefined) list = list.filter((i) => i.minRam >= Number(minRam));
    const minDisk = q('minDisk');
    if (minDisk !== undefined) list = list.filter((i) => i.minDisk >= Number(minDisk));
    const page = pageOf(request);
    const items = paginate(list, page, deps.settings.maxLimit, (i) => i.id);
    const images = items.map((i) => (full ? detail(request, deps, i) : { id: i.id, name: i.name ?? '', links: links(request, deps, i) }));
    const more = nextLinks(request, deps, full ? 'images/detail' : 'images', page, items.map((i) => i.id), deps.settings.maxLimit);
    return more ? { images, images_links: more } : { images };
  };
  app.get('/images', listing(false));
  // DELETE /images/ is a delete of the image with an empty id: 404, as in Nova (not 405).
  app.delete('/images', async () => {
    throw new NotFound('Image not found.');
  });
  app.get('/images/detail', listing(true));
  app.get<P>('/images/:id', async (request) => {
    guard(request);
    return { image: detail(request, deps, find(deps, request, request.params.id)) };
  });
  app.delete<P>('/images/:id', async (request, reply) => {
    guard(request);
    const img = find(deps, request, request.params.id);
    if (!imageWritableBy(img, callerOf(request))) throw new Forbidden('You are not authorized to delete this image.');
    if (img.protected) throw new Forbidden(`Image ${img.id} is protected and cannot be deleted.`);
    await deps.store.images.delete(img.id);
    return reply.code(204).send();
  });

  const body = z.object({ metadata: metadataSchema }).strict();
  app.get<P>('/images/:id/metadata', async (request) => {
    guard(request);
    return { metadata: { ...find(deps, request, request.params.id).properties } };
  });
  app.put<P>('/images/:id/metadata', async (request) => {
    guard(request);
    const b = validate(body, request.body);
    const img = find(deps, request, request.params.id);
    await setProperties(deps, request, img, { ...b.metadata });
    return { metadata: { ...img.properties } };
  });
  app.post<P>('/images/:id/metadata', async (request) => {
    guard(request);
    const b = validate(body, request.body);
    const img = find(deps, request, request.params.id);
    await setProperties(deps, request, img, { ...img.properties, ...b.metadata });
    return { metadata: { ...img.properties } };
  });
  app.get<P>('/images/:id/metadata/:key', async (request) => {
    guard(request);
    const img = find(deps, request, request.params.id);
    const key = request.params.key!;
    if (!Object.hasOwn(img.properties, key)) throw new NotFound('Invalid metadata key');
    return { meta: { [key]: img.properties[key]! } };
  });
  app.put<P>('/images/:id/metadata/:key', async (request) => {
    guard(request);
    const b = validate(z.object({ meta: metadataSchema.refine((m) => Object.keys(m).length === 1, 'exactly one item expected') }).strict(), request.body);
    const key = request.params.key!;
    if (!Object.hasOwn(b.meta, key)) throw new BadRequest('Request body and URI mismatch');
    const img = find(deps, request, request.params.id);
    await setProperties(deps, request, img, { ...img.properties, [key]: b.meta[key]! });
    return { meta: { [key]: b.meta[key]! } };
  });
  app.delete<P>('/images/:id/metadata/:key', async (request, reply) => {
    guard(request);
    const img = find(deps, request, request.params.id);
    const key = request.params.key!;
    if (!Object.hasOwn(img.properties, key)) throw new NotFound('Invalid metadata key');
    const next = { ...img.properties };
    delete next[key];
    await setProperties(deps, request, img, next);
    return reply.code(204).send();
  });
}
