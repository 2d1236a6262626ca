/** Allocations by consumer (list form to 1.11, dict form 1.12, consumer generations 1.28, types 1.38), usages, candidates, reshaper. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PlacementError, type AllocationsPut, type CandidatesQuery } from '../../placement/index.ts';
import { body, canonicalUuid, mv, query, queryOf, requireAdmin, since, uuidParam, UUID_RE } from './http.ts';
import { parseGroups } from './request-groups.ts';
import type { PlacementRouter } from './router.ts';
import { allocationRequestView, providerSummary } from './views.ts';
import { toInventory } from './routes-providers.ts';

const resources = z.record(z.string().regex(/^[A-Z0-9_]+$/), z.number().int().min(1));
const uuidStr = z.string().regex(UUID_RE);
const consumerGen = z.number().int().min(0).nullable();
const consumerType = z.string().regex(/^[A-Z0-9_]+$/).max(255);

/** The body of one consumer's allocations at this version, as the router's AllocationsPut. */
function consumerBody(request: FastifyRequest, consumer: string, raw: unknown, defaults: { projectId: string; userId: string }): AllocationsPut {
  const v = mv(request);
  const dictForm = v.ge('1.12');
  const allocs = dictForm
    ? z.record(uuidStr, z.object({ resources, generation: z.number().int().optional() }).strict())
    : z.array(z.object({ resource_provider: z.object({ uuid: uuidStr }).strict(), resources }).strict()).min(1);
  const schema = z.object({
    allocations: allocs,
    project_id: v.ge('1.8') ? z.string().min(1).max(255) : z.string().min(1).max(255).optional(),
    user_id: v.ge('1.8') ? z.string().min(1).max(255) : z.string().min(1).max(255).optional(),
    ...(v.ge('1.28') ? { consumer_generation: consumerGen } : {}),
    ...(v.ge('1.38') ? { consumer_type: consumerType } : {}),
  }).strict();
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new PlacementError(400, `JSON does not validate: ${i.path.join('.')}${i.path.length ? ': ' : ''}${i.message}`);
  }
  const b = r.data;
  const map: Record<string, Record<string, number>> = {};
  if (Array.isArray(b.allocations)) {
    for (const x of b.allocations) map[canonicalUuid(x.resource_provider.uuid)] = x.resources;
  } else {
    for (const [u, x] of Object.entries(b.allocations)) map[canonicalUuid(u)] = x.resources;
  }
  // consumer_generation and consumer_type are in the schema only from their versions (unknown here).
  const generation = b.consumer_generation;
  const type = b.consumer_type;
  return {
    consumer, allocations: map, projectId: b.project_id ?? defaults.projectId, userId: b.user_id ?? defaults.userId,
    consumerType: typeof type === 'string' ? type : null,
    ...(v.ge('1.28') ? { consumerGeneration: typeof generation === 'number' ? generation : null } : {}),
  };
}

export function registerAllocationRoutes(app: FastifyInstance, router: PlacementRouter, caller: (r: FastifyRequest) => { projectId: string; userId: string }): void {
  app.get<{ Params: { consumer: string } }>('/allocations/:consumer', async (request) => {
    requireAdmin(request, 'placement:allocations:list');
    const v = mv(request);
    const view = await router.getAllocations(uuidParam(request.params.consumer, 'consumer uuid'), request.id);
    const allocations: Record<string, { generation: number; resources: Record<string, number> }> = {};
    for (const [u, a] of Object.entries(view?.allocations ?? {})) allocations[u] = { generation: a.generation, resources: a.resources };
    if (!view || v.lt('1.12')) return { allocations };
    return {
      allocations, project_id: view.projectId, user_id: view.userId,
      ...(v.ge('1.28') ? { consumer_generation: view.consumerGeneration } : {}),
      ...(v.ge('1.38') ? { consumer_type: view.consumerType ?? 'unknown' } : {}),
    };
  });

  app.put<{ Params: { consumer: string } }>('/allocations/:consumer', async (request, reply) => {
    requireAdmin(request, 'placement:allocations:update');
    const consumer = uuidParam(request.params.consumer, 'consumer uuid');
    await router.putAllocations(consumerBody(request, consumer, request.body, caller(request)), request.id);
    return reply.code(204).send();
  });

  app.post('/allocations', async (request, reply) => {
    requireAdmin(request, 'placement:allocations:manage');
    since(request, '1.13', 405);
    const b = body(z.record(uuidStr, z.unknown()), request);
    for (const [c, raw] of Object.entries(b)) {
      await router.putAllocations(consumerBody(request, canonicalUuid(c), raw, caller(request)), request.id);
    }
    return reply.code(204).send();
  });

  app.delete<{ Params: { consumer: string } }>('/allocations/:consumer', async (request, reply) => {
    requireAdmin(request, 'placement:allocations:delete');
    const consumer = uuidParam(request.params.consumer, 'consumer uuid');
    if (!(await router.deleteAllocations(consumer, request.id))) throw new PlacementError(404, `No allocations for consumer '${consumer}'`);
    return reply.code(204).send();
  });

  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid/allocations', async (request) => {
    requireAdmin(request, 'placement:resource_providers:allocations:list');
    const uuid = uuidParam(request.params.uuid);
    const r = await router.onProvider(uuid, 'provider_allocations', { uuid }, request.id);
    return { resource_provider_generation: r.generation, allocations: r.allocations };
  });

  app.get('/usages', async (request) => {
    requireAdmin(request, 'placement:usages');
    since(request, '1.9');
    const v = mv(request);
    const q = query(request, v.ge('1.38') ? ['project_id', 'user_id', 'consumer_type'] : ['project_id', 'user_id']);
    const projectId = q.get('project_id');
    if (!projectId) throw new PlacementError(400, "Invalid query string parameters: 'project_id' is a required property");
    const r = await router.usages({ projectId, userId: q.get('user_id'), consumerType: q.get('consumer_type') }, request.id);
    if (v.lt('1.38')) {
      const usages: Record<string, number> = {};
      for (const u of Object.values(r.usages)) for (const [rc, n] of Object.entries(u)) usages[rc] = (usages[rc] ?? 0) + n;
      return { usages };
    }
    const usages: Record<string, Record<string, number>> = {};
    for (const [type, u] of Object.entries(r.usages)) usages[type] = { consumer_count: r.consumers[type] ?? 0, ...u };
    return { usages };
  });

  app.get('/allocation_candidates', async (request) => {
    requireAdmin(request, 'placement:allocation_candidates:list');
    since(request, '1.10');
    const v = mv(request);
    const q = queryOf(request);
    const known = /^(resources|required|member_of|in_tree)([1-9]\d*|_[A-Za-z0-9_-]{1,64})?$|^(limit|group_policy|root_required|same_subtree)$/;
    for (const name of Object.keys(q)) if (!known.test(name)) throw new PlacementError(400, `Invalid query string parameters: Additional properties are not allowed ('${name}' was unexpected)`);
    if (Object.hasOwn(q, 'same_subtree')) {
      // Not served: refused plainly rather than ignored (every compute node here is a one-provider tree).
      throw new PlacementError(400, v.lt('1.36') ? "Invalid query string parameters: Additional properties are not allowed ('same_subtree' was unexpected)" : 'same_subtree is not supported by this placement service.');
    }
    const groups = parseGroups(q, v);
    const unnamed = groups.find((g) => g.suffix === '');
    if (groups.every((g) => Object.keys(g.resources).length === 0)) {
      throw new PlacementError(400, "Invalid query string parameters: 'resources' is a required property", 'placement.query.missing_value');
    }
    if (unnamed && Object.keys(unnamed.resources).length === 0 && unnamed.required.length + unnamed.forbidden.length + unnamed.memberOf.length === 0 && unnamed.inTree === undefined) {
      groups.splice(groups.indexOf(unnamed), 1);
    }
    const last = (n: string) => { const x = q[n]; return Array.isArray(x) ? x.at(-1) : x; };
    const policy = last('group_policy');
    const numbered = groups.filter((g) => g.suffix !== '').length;
    if (policy !== undefined && policy !== 'none' && policy !== 'isolate') throw new PlacementError(400, `Invalid query string parameters: '${policy}' is not one of ['none', 'isolate']`);
    if (numbered > 1 && policy === undefined && v.ge('1.25')) {
      throw new PlacementError(400, 'The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.', 'placement.query.missing_value');
    }
    const limitText = last('limit');
    let limit: number | undefined;
    if (limitText !== undefined) {
      if (v.lt('1.16') || !/^[1-9]\d*$/.test(limitText)) throw new PlacementError(400, `Invalid query string parameters: '${limitText}' does not match '^[1-9][0-9]*$'`);
      limit = Number(limitText);
    }
    const rootReq: string[] = [];
    const rootForb: string[] = [];
    const rr = last('root_required');
    if (rr !== undefined) {
      if (v.lt('1.35')) throw new PlacementError(400, "Invalid query string parameters: Additional properties are not allowed ('root_required' was unexpected)");
      for (const t of rr.split(',')) (t.startsWith('!') ? rootForb : rootReq).push(t.replace(/^!/, ''));
    }
    const cq: CandidatesQuery = { groups, groupPolicy: policy === 'isolate' ? 'isolate' : 'none', limit, rootRequired: rootReq, rootForbidden: rootForb };
    const r = await router.allocationCandidates(cq, request.id);
    const requested = new Set(groups.flatMap((g) => Object.keys(g.resources)));
    const summaries: Record<string, ReturnType<typeof providerSummary>> = {};
    const inRequests = new Set(r.allocationRequests.flatMap((a) => Object.keys(a.allocations)));
    for (const p of r.providers) {
      // Before 1.29 only providers that give resources are summarised.
      if (v.lt('1.29') && !inRequests.has(p.uuid)) continue;
      summaries[p.uuid] = providerSummary(p, v, requested);
    }
    return { allocation_requests: r.allocationRequests.map((a) => allocationRequestView(a, v)), provider_summaries: summaries };
  });

  app.post('/reshaper', async (request, reply) => {
    requireAdmin(request, 'placement:reshaper:reshape');
    since(request, '1.30');
    const inv = z.object({ total: z.number().int().min(1), reserved: z.number().int().min(0).optional(), min_unit: z.number().int().min(1).optional(), max_unit: z.number().int().min(1).optional(), step_size: z.number().int().min(1).optional(), allocation_ratio: z.number().gt(0).optional() }).strict();
    const b = body(z.object({
      inventories: z.record(uuidStr, z.object({ resource_provider_generation: z.number().int().min(0), inventories: z.record(z.string(), inv) }).strict()),
      allocations: z.record(uuidStr, z.unknown()),
    }).strict(), request);
    const inventories: Record<string, { generation: number; inventories: Record<string, ReturnType<typeof toInventory>> }> = {};
    for (const [u, x] of Object.entries(b.inventories)) {
      const invs: Record<string, ReturnType<typeof toInventory>> = {};
      for (const [rc, i] of Object.entries(x.inventories)) invs[rc] = toInventory(i);
      inventories[canonicalUuid(u)] = { generation: x.resource_provider_generation, inventories: invs };
    }
    const allocations = Object.entries(b.allocations).map(([c, raw]) => consumerBody(request, canonicalUuid(c), raw, caller(request)));
    await router.reshape({ inventories, allocations }, request.id);
    return reply.code(204).send();
  });
}
