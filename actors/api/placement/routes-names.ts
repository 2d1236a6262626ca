/** Traits (1.6) and resource classes (1.2): the catalogue, and a provider's traits and aggregates (1.1). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCustomName, PlacementError, STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../placement/index.ts';
import { body, canonicalUuid, mv, query, requireAdmin, since, uuidParam, UUID_RE } from './http.ts';
import type { PlacementRouter } from './router.ts';

const generation = z.number().int().min(0);
const STANDARD_RCS = new Set(STANDARD_RESOURCE_CLASSES);

function rcView(name: string) {
  return { name, links: [{ rel: 'self', href: `/resource_classes/${name}` }] };
}

export function registerNameRoutes(app: FastifyInstance, router: PlacementRouter): void {
  // --- traits ---
  const allTraits = async (reqId: string) => [...new Set([...STANDARD_TRAITS, ...(await router.listCustom('trait', reqId))])].sort();

  app.get('/traits', async (request) => {
    requireAdmin(request, 'placement:traits:list');
    since(request, '1.6');
    const q = query(request, ['name', 'associated']);
    let names = await allTraits(request.id);
    const name = q.get('name');
    if (name !== undefined) {
      if (name.startsWith('in:')) {
        const want = new Set(name.slice(3).split(','));
        names = names.filter((n) => want.has(n));
      } else if (name.startsWith('startswith:')) {
        const prefix = name.slice('startswith:'.length);
        names = names.filter((n) => n.startsWith(prefix));
      } else {
        throw new PlacementError(400, `Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`);
      }
    }
    const associated = q.get('associated');
    if (associated !== undefined) {
      if (associated !== 'true' && associated !== 'false') throw new PlacementError(400, `Invalid query string parameters: associated must be true or false. Got: ${associated}`);
      const used = new Set((await router.listProviders({}, request.id)).flatMap((r) => r.traits));
      names = names.filter((n) => used.has(n) === (associated === 'true'));
    }
    return { traits: names };
  });

  app.get<{ Params: { name: string } }>('/traits/:name', async (request, reply) => {
    requireAdmin(request, 'placement:traits:show');
    since(request, '1.6');
    const n = request.params.name;
    if (!STANDARD_TRAITS.has(n) && !(await router.listCustom('trait', request.id)).includes(n)) throw new PlacementError(404, `No such trait(s): ${n}.`);
    return reply.code(204).send();
  });

  app.put<{ Params: { name: string } }>('/traits/:name', async (request, reply) => {
    requireAdmin(request, 'placement:traits:update');
    since(request, '1.6');
    const n = request.params.name;
    if (!isCustomName(n)) throw new PlacementError(400, `The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"`);
    const created = await router.createCustom('trait', n, request.id);
    reply.header('location', `/placement/traits/${n}`);
    return reply.code(created ? 201 : 204).send();
  });

  app.delete<{ Params: { name: string } }>('/traits/:name', async (request, reply) => {
    requireAdmin(request, 'placement:traits:delete');
    since(request, '1.6');
    const n = request.params.name;
    if (STANDARD_TRAITS.has(n)) throw new PlacementError(400, `Cannot delete standard trait ${n}.`);
    if (!(await router.listCustom('trait', request.id)).includes(n)) throw new PlacementError(404, `No such trait(s): ${n}.`);
    if (await router.customInUse('trait', n, request.id)) throw new PlacementError(409, `The trait ${n} is in use by a resource provider.`);
    await router.deleteCustom('trait', n, request.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid/traits', async (request) => {
    requireAdmin(request, 'placement:resource_providers:traits:list');
    since(request, '1.6');
    const r = await router.getProvider(uuidParam(request.params.uuid), request.id);
    return { traits: r.traits, resource_provider_generation: r.generation };
  });

  app.put<{ Params: { uuid: string } }>('/resource_providers/:uuid/traits', async (request) => {
    requireAdmin(request, 'placement:resource_providers:traits:update');
    since(request, '1.6');
    const uuid = uuidParam(request.params.uuid);
    const b = body(z.object({ traits: z.array(z.string().regex(/^[A-Z0-9_]+$/)).refine((t) => new Set(t).size === t.length, 'traits must be unique'), resource_provider_generation: generation }).strict(), request);
    const r = await router.onProvider(uuid, 'put_traits', { uuid, generation: b.resource_provider_generation, traits: b.traits }, request.id);
    return { traits: r.traits, resource_provider_generation: r.generation };
  });

  app.delete<{ Params: { uuid: string } }>('/resource_providers/:uuid/traits', async (request, reply) => {
    requireAdmin(request, 'placement:resource_providers:traits:delete');
    since(request, '1.6');
    const uuid = uuidParam(request.params.uuid);
    const cur = await router.getProvider(uuid, request.id);
    await router.onProvider(uuid, 'put_traits', { uuid, generation: cur.generation, traits: [] }, request.id);
    return reply.code(204).send();
  });

  // --- aggregates ---
  const aggView = (request: FastifyRequest, r: { aggregates: string[]; generation: number }) =>
    mv(request).ge('1.19') ? { aggregates: r.aggregates, resource_provider_generation: r.generation } : { aggregates: r.aggregates };

  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid/aggregates', async (request) => {
    requireAdmin(request, 'placement:resource_providers:aggregates:list');
    since(request, '1.1');
    return aggView(request, await router.getProvider(uuidParam(request.params.uuid), request.id));
  });

  app.put<{ Params: { uuid: string } }>('/resource_providers/:uuid/aggregates', async (request) => {
    requireAdmin(request, 'placement:resource_providers:aggregates:update');
    since(request, '1.1');
    const uuid = uuidParam(request.params.uuid);
    const aggs = z.array(z.string().regex(UUID_RE)).refine((a) => new Set(a).size === a.length, 'aggregates must be unique');
    let list: string[];
    let gen: number | undefined;
    if (mv(request).ge('1.19')) {
      const b = body(z.object({ aggregates: aggs, resource_provider_generation: generation }).strict(), request);
      list = b.aggregates;
      gen = b.resource_provider_generation;
    } else {
      list = body(aggs, request);
    }
    const r = await router.onProvider(uuid, 'put_aggregates', { uuid, generation: gen, aggregates: list.map(canonicalUuid) }, request.id);
    return aggView(request, r);
  });

  // --- resource classes ---
  const allClasses = async (reqId: string) => [...STANDARD_RESOURCE_CLASSES, ...(await router.listCustom('rc', reqId))];

  app.get('/resource_classes', async (request) => {
    requireAdmin(request, 'placement:resource_classes:list');
    since(request, '1.2');
    return { resource_classes: (await allClasses(request.id)).map(rcView) };
  });

  app.post('/resource_classes', async (request, reply) => {
    requireAdmin(request, 'placement:resource_classes:create');
    since(request, '1.2');
    const b = body(z.object({ name: z.string().regex(/^CUSTOM_[A-Z0-9_]+$/).max(255) }).strict(), request);
    if (!(await router.createCustom('rc', b.name, request.id))) {
      throw new PlacementError(409, `Conflicting resource class already exists: ${b.name}`, 'placement.duplicate_name');
    }
    reply.header('location', `/placement/resource_classes/${b.name}`);
    return reply.code(201).send();
  });

  app.get<{ Params: { name: string } }>('/resource_classes/:name', async (request) => {
    requireAdmin(request, 'placement:resource_classes:show');
    since(request, '1.2');
    const n = request.params.name;
    if (!(await allClasses(request.id)).includes(n)) throw new PlacementError(404, `No such resource class ${n}.`);
    return rcView(n);
  });

  app.put<{ Params: { name: string } }>('/resource_classes/:name', async (request, reply) => {
    requireAdmin(request, 'placement:resource_classes:update');
    since(request, '1.2');
    const n = request.params.name;
    if (mv(request).lt('1.7')) throw new PlacementError(400, 'Updating a resource class by name needs microversion 1.7 or later.');
    if (!isCustomName(n)) throw new PlacementError(400, `JSON does not validate: '${n}' does not match '^CUSTOM_[A-Z0-9_]+$'`);
    const created = await router.createCustom('rc', n, request.id);
    reply.header('location', `/placement/resource_classes/${n}`);
    return reply.code(created ? 201 : 204).send();
  });

  app.delete<{ Params: { name: string } }>('/resource_classes/:name', async (request, reply) => {
    requireAdmin(request, 'placement:resource_classes:delete');
    since(request, '1.2');
    const n = request.params.name;
    if (STANDARD_RCS.has(n)) throw new PlacementError(400, `Cannot delete standard resource class ${n}: Cannot delete standard resource class.`);
    if (!(await router.listCustom('rc', request.id)).includes(n)) throw new PlacementError(404, `No such resource class ${n}.`);
    if (await router.customInUse('rc', n, request.id)) throw new PlacementError(409, `Unable to delete resource class ${n}: Cannot delete resource class ${n}. Class is in use in inventory.`);
    await router.deleteCustom('rc', n, request.id);
    return reply.code(204).send();
  });
}
