/**
 * Glance v2's image registry: list (filters on core and additional properties, sorting, paging),
 * create, show, PATCH (JSON patch), delete, tags, data upload/download, deactivate/reactivate. Images
 * of other projects are invisible (404) unless public or community; only owners and admins change them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../runtime/errors/index.ts';
import type { Clock } from '../../../runtime/clock/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import { ownValue, queryValue, queryValues } from '../../../runtime/http/index.ts';
import { authOf } from '../identity/index.ts';
import type { ApiStore, Image } from '../db/index.ts';
import { applyProperty } from './apply.ts';
import type { ImageFiles } from './files.ts';
import { imageVisibleTo, imageWritableBy, type ImageCaller } from './policy.ts';
import { imageView } from './views.ts';
import { isRecord } from '../guards.ts';

export interface ImageDeps {
  store: ApiStore;
  clock: Clock;
  rng: RandomStream;
  files: ImageFiles;
}

type P = { Params: { id: string; tag?: string } };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPLOAD_LIMIT = 256 * 1024 * 1024;

function caller(request: FastifyRequest): ImageCaller {
  const a = authOf(request);
  return { projectId: a.projectId, isAdmin: a.isAdmin };
}

function find(deps: ImageDeps, request: FastifyRequest, id: string): Image {
  const img = deps.store.images.get(id);
  if (!img || !imageVisibleTo(img, caller(request))) throw new NotFound(`No image found with ID ${id}`);
  return img;
}

function writable(deps: ImageDeps, request: FastifyRequest, id: string): Image {
  const img = find(deps, request, id);
  if (!imageWritableBy(img, caller(request))) throw new Forbidden(`You are not permitted to modify image ${id}.`);
  return img;
}

const CORE_FILTERS: Record<string, (i: Image) => unknown> = {
  name: (i) => i.name, status: (i) => i.status, visibility: (i) => i.visibility, owner: (i) => i.owner,
  disk_format: (i) => i.diskFormat, container_format: (i) => i.containerFormat, id: (i) => i.id,
  protected: (i) => String(i.protected), os_hidden: () => 'false',
};
const NOT_FILTERS = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'tag', 'size_min', 'size_max', 'member_status', 'created_at', 'updated_at']);

const SORT: Record<string, (i: Image) => string | number> = {
  created_at: (i) => i.createdAt, updated_at: (i) => i.updatedAt, name: (i) => i.name ?? '', id: (i) => i.id, status: (i) => i.status,
  size: (i) => i.size ?? 0, min_disk: (i) => i.minDisk, min_ram: (i) => i.minRam, visibility: (i) => i.visibility,
  disk_format: (i) => i.diskFormat ?? '', container_format: (i) => i.containerFormat ?? '',
};

function sortSpec(request: FastifyRequest): Array<[string, 'asc' | 'desc']> {
  const sort = queryValue(request.query, 'sort');
  if (sort !== undefined) {
    return sort.split(',').map((part) => {
      const [k, d] = part.trim().split(':');
      const dir = d ?? 'desc';
      if (!ownValue(SORT, k!) || (dir !== 'asc' && dir !== 'desc')) throw new BadRequest(`Invalid sort key or direction: ${part}`);
      return [k!, dir];
    });
  }
  const keys = queryValues(request.query, 'sort_key');
  const dirs = queryValues(request.query, 'sort_dir');
  const out = (keys.length > 0 ? keys : ['created_at']).map((k, i): [string, 'asc' | 'desc'] => {
    const d = dirs[i] ?? dirs[0] ?? 'desc';
    if (!ownValue(SORT, k)) throw new BadRequest(`Invalid sort key: ${k}`);
    if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid sort direction: ${d}`);
    return [k, d];
  });
  return out;
}

function list(deps: ImageDeps, request: FastifyRequest) {
  const c = caller(request);
  const q = isRecord(request.query) ? request.query : {};
  let images = deps.store.images.all().filter((i) => imageVisibleTo(i, c));
  const visibility = queryValue(q, 'visibility');
  if (visibility === undefined) {
    // Glance's default listing leaves community images out unless asked for.
    images = images.filter((i) => i.visibility !== 'community' || i.owner === c.projectId);
  }
  for (const [key, raw] of Object.entries(q)) {
    if (NOT_FILTERS.has(key)) continue;
    const value = queryValue(q, key);
    if (value === undefined) continue;
    const core = ownValue(CORE_FILTERS, key);
    const wanted = value.startsWith('in:') ? value.slice(3).split(',') : [value];
    images = images.filter((i) => {
      const have = core ? String(core(i)) : ownValue(i.properties, key);
      return have !== undefined && wanted.includes(have);
    });
    void raw;
  }
  for (const tag of queryValues(q, 'tag')) images = images.filter((i) => i.tags.includes(tag));
  const sizeMin = queryValue(q, 'size_min');
  if (sizeMin !== undefined) images = images.filter((i) => (i.size ?? 0) >= Number(sizeMin));
  const sizeMax = queryValue(q, 'size_max');
  if (sizeMax !== undefined) images = images.filter((i) => (i.size ?? 0) <= Number(sizeMax));
  const spec = sortSpec(request);
  images.sort((a, b) => {
    for (const [k, d] of spec) {
      const x = SORT[k]!(a);
      const y = SORT[k]!(b);
      if (x !== y) return (x < y ? -1 : 1) * (d === 'asc' ? 1 : -1);
    }
    return a.id < b.id ? 1 : -1;
  });
  const marker = queryValue(q, 'marker');
  if (marker !== undefined) {
    const at = images.findIndex((i) => i.id === marker);
    if (at < 0) throw new BadRequest(`Invalid marker. Image ${marker} could not be found.`);
    images = images.slice(at + 1);
  }
  const limitRaw = queryValue(q, 'limit');
  let next: string | undefined;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) throw new BadRequest('limit param must be an integer');
    const limit = Number(limitRaw);
    if (images.length > limit && limit > 0) {
      images = images.slice(0, limit);
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) if (k !== 'marker') for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') params.append(k, x);
      params.set('marker', images[images.length - 1]!.id);
      next = `/v2/images?${params.toString()}`;
    } else images = images.slice(0, limit);
  }
  const out: Record<string, unknown> = { images: images.map(imageView), schema: '/v2/schemas/images', first: '/v2/images' };
  if (next) out['next'] = next;
  return out;
}

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  return body.map((o) => {
    const op: unknown = o !== null && typeof o === 'object' && 'op' in o ? o.op : undefined;
    const path: unknown = o !== null && typeof o === 'object' && 'path' in o ? o.path : undefined;
    if (o === null || typeof o !== 'object' || typeof op !== 'string' || typeof path !== 'string') {
      throw new BadRequest('Operations must be JSON objects.');
    }
    if (!['add', 'replace', 'remove'].includes(op)) throw new BadRequest(`Invalid operation: ${op}`);
    if (op !== 'remove' && !('value' in o)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
    if (!/^\/[^/]+$/.test(path)) throw new BadRequest(`Invalid JSON pointer for this resource: '${path}'`);
    return 'value' in o ? { op, path, value: o.value } : { op, path };
  });
}

export function registerImageRoutes(app: FastifyInstance, deps: ImageDeps): void {
  app.get('/images', async (request) => list(deps, request));

  app.post('/images', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) throw new BadRequest('Request body must be a JSON object.');
    const b = body;
    const c = caller(request);
    const id = b['id'] ?? deps.rng.uuid4();
    if (typeof id !== 'string' || !UUID.test(id)) throw new BadRequest(`Invalid value for id: ${String(id)}`);
    if (deps.store.images.get(id)) throw new Conflict(`Image with identifier ${id} already exists!`);
    const now = deps.clock.now();
    const img: Image = {
      id, name: null, status: 'queued', visibility: 'shared', owner: c.projectId ?? null, diskFormat: null, containerFormat: null,
      minDisk: 0, minRam: 0, size: null, virtualSize: null, checksum: null, osHashAlgo: null, osHashValue: null, protected: false,
      tags: [], properties: {}, file: null, createdAt: now, updatedAt: now,
    };
    for (const [k, v] of Object.entries(b)) {
      if (k === 'owner' && c.isAdmin) {
        img.owner = v === null ? null : String(v);
        continue;
      }
      applyProperty(img, k, v, c, { creating: true });
    }
    await deps.store.images.save(img);
    return reply.code(201).header('location', `/v2/images/${img.id}`).send(imageView(img));
  });

  app.get<P>('/images/:id', async (request) => imageView(find(deps, request, request.params.id)));

  app.patch<P>('/images/:id', async (request) => {
    const ops = parsePatch(request.body);
    const img = writable(deps, request, request.params.id);
    const next: Image = structuredClone(img);
    for (const op of ops) {
      const name = op.path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
      applyProperty(next, name, op.value, caller(request), { creating: false, remove: op.op === 'remove' });
    }
    next.updatedAt = deps.clock.now();
    await deps.store.images.save(next);
    return imageView(next);
  });

  app.delete<P>('/images/:id', async (request, reply) => {
    const img = writable(deps, request, request.params.id);
    if (img.protected) throw new Forbidden(`Image ${img.id} is protected and cannot be deleted.`);
    await deps.store.images.delete(img.id);
    await deps.files.remove(img.file);
    return reply.code(204).send();
  });

  app.put<P>('/images/:id/tags/:tag', async (request, reply) => {
    const img = writable(deps, request, request.params.id);
    const tag = request.params.tag!;
    if (tag.length > 255) throw new BadRequest('Tag is too long.');
    if (!img.tags.includes(tag)) {
      img.tags = [...img.tags, tag];
      img.updatedAt = deps.clock.now();
      await deps.store.images.save(img);
    }
    return reply.code(204).send();
  });

  app.delete<P>('/images/:id/tags/:tag', async (request, reply) => {
    const img = writable(deps, request, request.params.id);
    if (!img.tags.includes(request.params.tag!)) throw new NotFound(`Tag ${request.params.tag} not found.`);
    img.tags = img.tags.filter((t) => t !== request.params.tag);
    img.updatedAt = deps.clock.now();
    await deps.store.images.save(img);
    return reply.code(204).send();
  });

  app.put<P>('/images/:id/file', { bodyLimit: UPLOAD_LIMIT }, async (request, reply) => {
    const img = writable(deps, request, request.params.id);
    if (img.status !== 'queued') throw new Conflict(`Image status transition from ${img.status} to saving is not allowed`);
    if (!img.diskFormat || !img.containerFormat) throw new BadRequest('Properties disk_format, container_format must be set prior to saving data.');
    const raw = request.body;
    const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw === null || raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw));
    const stored = await deps.files.put(img.id, data);
    Object.assign(img, {
      status: 'active', size: stored.size, checksum: stored.checksum, osHashAlgo: 'sha512', osHashValue: stored.osHashValue,
      file: deps.files.enabled ? stored.file : null, updatedAt: deps.clock.now(),
    });
    await deps.store.images.save(img);
    return reply.code(204).send();
  });

  app.get<P>('/images/:id/file', async (request, reply) => {
    const img = find(deps, request, request.params.id);
    if (img.status !== 'active' || !img.file) return reply.code(204).send();
    const data = await deps.files.get(img.file);
    if (!data) throw new NotFound(`Image ${img.id} has no data.`);
    return reply.code(200).type('application/octet-stream').header('content-md5', img.checksum ?? '').send(data);
  });

  for (const [action, status] of [['deactivate', 'deactivated'], ['reactivate', 'active']] as const) {
    app.post<P>(`/images/:id/actions/${action}`, async (request, reply) => {
      const img = find(deps, request, request.params.id);
      if (!caller(request).isAdmin) throw new Forbidden(`You are not authorized to complete ${action} action.`);
      if (img.status !== 'active' && img.status !== 'deactivated') throw new Conflict(`Not allowed to ${action} image in status '${img.status}'`);
      img.status = status;
      img.updatedAt = deps.clock.now();
      await deps.store.images.save(img);
      return reply.code(204).send();
    });
  }
}
