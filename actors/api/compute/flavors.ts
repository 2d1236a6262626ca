/**
 * Flavors: list (brief and detail, with Nova's is_public / minRam / minDisk filters, flavorid order and
 * marker paging), show, and the admin's create, update (description, 2.55) and delete. A private
 * flavor is invisible (404) to projects not on its access list.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, Conflict, NotFound } from '../../../runtime/errors/index.ts';
import { ownValue, queryRaw, queryValue } from '../../../runtime/http/index.ts';
import type { Flavor } from '../db/index.ts';
import { callerOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { flavorVisibleTo } from './flavor-access.ts';
import { nextLinks, pageOf, paginate } from './pagination.ts';
import { novaBoolean, novaName, parseBoolString, validate, when } from './validation.ts';
import { isLegacyV2, since } from './version.ts';
import { flavorBasic, flavorDetail } from './views/flavors.ts';

type P = { Params: { id: string } };

/** Admins may ask for public (default), private (false) or all (None) flavors. */
function isPublicFilter(request: FastifyRequest): boolean | null {
  const raw = queryRaw(request.query, 'is_public');
  if (raw === undefined) return true;
  if (raw.toLowerCase() === 'none') return null;
  const b = parseBoolString(raw);
  if (b === undefined || typeof b !== 'boolean') throw new BadRequest(`Invalid is_public filter [${raw}]`);
  return b;
}

function intFilter(request: FastifyRequest, name: string): number | undefined {
  const raw = queryValue(request.query, name);
  if (raw === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(raw)) throw new BadRequest(`Invalid ${name} filter [${raw}]`);
  return Number(raw);
}

const SORT_KEYS: Record<string, (f: Flavor) => string | number> = {
  flavorid: (f) => f.id, id: (f) => f.internalId, name: (f) => f.name, memory_mb: (f) => f.ram, root_gb: (f) => f.disk,
  vcpus: (f) => f.vcpus, ephemeral_gb: (f) => f.ephemeral, swap: (f) => f.swap, rxtx_factor: (f) => f.rxtxFactor,
  created_at: (f) => f.createdAt, description: (f) => f.description ?? '', is_public: (f) => Number(f.isPublic),
};

function listFlavors(deps: ComputeDeps, request: FastifyRequest): Flavor[] {
  const caller = callerOf(request);
  const minRam = intFilter(request, 'minRam');
  const minDisk = intFilter(request, 'minDisk');
  const name = queryValue(request.query, 'name');
  let list = deps.store.flavors.all();
  if (caller.isAdmin) {
    const pub = isPublicFilter(request);
    if (pub !== null) list = list.filter((f) => f.isPublic === pub);
  } else {
    list = list.filter((f) => flavorVisibleTo(f, caller));
  }
  if (minRam !== undefined) list = list.filter((f) => f.ram >= minRam);
  if (minDisk !== undefined) list = list.filter((f) => f.disk >= minDisk);
  if (name !== undefined) list = list.filter((f) => f.name === name);
  const sortKey = queryValue(request.query, 'sort_key') ?? 'flavorid';
  const sortDir = queryValue(request.query, 'sort_dir') ?? 'asc';
  const key = ownValue(SORT_KEYS, sortKey);
  if (!key) throw new BadRequest(`Invalid input for field/attribute sort_key. Value: ${sortKey}.`);
  if (sortDir !== 'asc' && sortDir !== 'desc') throw new BadRequest(`Invalid input for field/attribute sort_dir. Value: ${sortDir}.`);
  const sign = sortDir === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : a.internalId - b.internalId) * sign;
  });
}

/** The flavor by id if the caller may see it; FlavorNotFound (404) otherwise. */
export function findFlavor(deps: ComputeDeps, request: FastifyRequest, id: string): Flavor {
  const f = deps.store.flavors.get(id);
  if (!f || !flavorVisibleTo(f, callerOf(request))) throw new NotFound(`Flavor ${id} could not be found.`);
  return f;
}

const positive = z.union([z.number().int(), z.string().regex(/^[0-9]+$/, 'is not a valid integer')]).transform(Number)
  .pipe(z.number().int().min(1).max(2 ** 31 - 1));
const nonNegative = z.union([z.number().int(), z.string().regex(/^[0-9]+$/, 'is not a valid integer')]).transform(Number)
  .pipe(z.number().int().min(0).max(2 ** 31 - 1));

function createSchema(request: FastifyRequest) {
  return z.object({ flavor: z.object({
    name: novaName(255, isLegacyV2(request)),
    id: z.union([z.string().min(1).max(255).regex(/^(?! )[a-zA-Z0-9. _-]+(?<! )$/, 'is not a valid flavor id'), z.number(), z.null()]).optional(),
    ram: positive,
    vcpus: positive,
    disk: nonNegative,
    'OS-FLV-EXT-DATA:ephemeral': nonNegative.optional(),
    swap: nonNegative.optional(),
    rxtx_factor: z.union([z.number(), z.string().regex(/^[0-9]+(\.[0-9]+)?$/)]).transform(Number).pipe(z.number().gt(0)).optional(),
    'os-flavor-access:is_public': novaBoolean.optional(),
    ...z.object({ description: z.string().max(65535).nullable().optional() }).pick({ description: when(since(request, '2.55')) }).shape,
  }).strict() }).strict();
}

export function registerFlavorRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const page = pageOf(request);
    const items = paginate(listFlavors(deps, request), page, deps.settings.maxLimit, (f) => f.id);
    const flavors = items.map((f) => (detail ? flavorDetail(request, deps, f) : flavorBasic(request, deps, f)));
    const links = nextLinks(request, deps, detail ? 'flavors/detail' : 'flavors', page, items.map((f) => f.id), deps.settings.maxLimit);
    return links ? { flavors, flavors_links: links } : { flavors };
  };
  app.get('/flavors', list(false));
  app.get('/flavors/detail', list(true));

  app.get<P>('/flavors/:id', async (request) => ({ flavor: flavorDetail(request, deps, findFlavor(deps, request, request.params.id)) }));

  app.post('/flavors', async (request) => {
    requireAdmin(request, 'os_compute_api:os-flavor-manage:create');
    const f = validate(createSchema(request), request.body).flavor;
    const name = f.name;
    const rawId = f.id;
    const id = rawId === undefined || rawId === null ? deps.rng.uuid4() : String(rawId);
    if (deps.store.flavors.byName(name)) throw new Conflict(`Flavor with name ${name} already exists.`);
    if (deps.store.flavors.get(id)) throw new Conflict(`Flavor with ID ${id} already exists.`);
    const created = await deps.store.flavors.create({
      id, name, vcpus: f.vcpus, ram: f.ram, disk: f.disk,
      ephemeral: f['OS-FLV-EXT-DATA:ephemeral'] ?? 0, swap: f.swap ?? 0,
      rxtxFactor: f.rxtx_factor ?? 1.0, isPublic: f['os-flavor-access:is_public'] ?? true,
      description: f.description ?? null, extraSpecs: {}, projects: [],
    }, deps.clock.now());
    return { flavor: flavorDetail(request, deps, created) };
  });

  app.put<P>('/flavors/:id', async (request) => {
    if (!since(request, '2.55')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:os-flavor-manage:update');
    const body = validate(z.object({ flavor: z.object({ description: z.string().max(65535).nullable() }).strict() }).strict(), request.body);
    const f = deps.store.flavors.get(request.params.id);
    if (!f) throw new NotFound(`Flavor ${request.params.id} could not be found.`);
    await deps.store.flavors.update(f, { description: body.flavor.description }, deps.clock.now());
    return { flavor: flavorDetail(request, deps, f) };
  });

  app.delete<P>('/flavors/:id', async (request, reply) => {
    requireAdmin(request, 'os_compute_api:os-flavor-manage:delete');
    const f = deps.store.flavors.get(request.params.id);
    if (!f) throw new NotFound(`Flavor ${request.params.id} could not be found.`);
    await deps.store.flavors.delete(f);
    return reply.code(202).send();
  });
}
