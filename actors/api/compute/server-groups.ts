/**
 * os-server-groups: affinity policies for groups of servers. Before 2.64 a group has a `policies`
 * list (and empty metadata); from 2.64 one `policy` with `rules` (max_server_per_host for
 * anti-affinity). Groups belong to a project; another project's group is 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { ServerGroup } from '../db/index.ts';
import { callerOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { checkCount } from './quota-usage.ts';
import { intLike, isUuidLike, novaName, parseBoolString, validate } from './validation.ts';
import { isLegacyV2, since } from './version.ts';

type P = { Params: { id: string } };

function view(request: FastifyRequest, g: ServerGroup): Record<string, unknown> {
  const out: Record<string, unknown> = { id: g.uuid, name: g.name };
  if (since(request, '2.64')) {
    out['policy'] = g.policy;
    out['rules'] = { ...g.rules };
  } else {
    out['policies'] = [g.policy];
  }
  out['members'] = [...g.members];
  if (!since(request, '2.64')) out['metadata'] = {};
  if (since(request, '2.13')) {
    out['project_id'] = g.projectId;
    out['user_id'] = g.userId;
  }
  return out;
}

function policyEnum(request: FastifyRequest) {
  return since(request, '2.15')
    ? z.enum(['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'])
    : z.enum(['affinity', 'anti-affinity']);
}

function createSchema(request: FastifyRequest) {
  const name = novaName(255, isLegacyV2(request));
  if (since(request, '2.64')) {
    return z.object({
      server_group: z.object({
        name,
        policy: policyEnum(request),
        rules: z.object({ max_server_per_host: intLike(1) }).strict().optional(),
      }).strict(),
    }).strict();
  }
  return z.object({
    server_group: z.object({
      name,
      policies: z.array(policyEnum(request)).length(1, 'exactly one policy expected'),
    }).strict(),
  }).strict();
}

function find(deps: ComputeDeps, request: FastifyRequest, id: string): ServerGroup {
  const c = callerOf(request);
  const g = isUuidLike(id) ? deps.store.groups.get(id) : undefined;
  if (!g || (!c.isAdmin && g.projectId !== c.projectId)) throw new NotFound(`Instance group ${id} could not be found.`);
  return g;
}

export function registerServerGroupRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-server-groups', async (request) => {
    const c = callerOf(request);
    const allRaw = queryValue(request.query, 'all_projects');
    const all = c.isAdmin && allRaw !== undefined && parseBoolString(allRaw) !== false;
    let list = deps.store.groups.all().filter((g) => all || g.projectId === c.projectId);
    const offset = Number(queryValue(request.query, 'offset') ?? 0);
    const limitRaw = queryValue(request.query, 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new BadRequest('offset param must be a non-negative integer');
    list = list.slice(offset);
    if (limitRaw !== undefined) {
      const limit = Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 0) throw new BadRequest('limit param must be a non-negative integer');
      list = list.slice(0, Math.min(limit, deps.settings.maxLimit));
    }
    return { server_groups: list.map((g) => view(request, g)) };
  });

  app.get<P>('/os-server-groups/:id', async (request) => ({ server_group: view(request, find(deps, request, request.params.id)) }));

  app.post('/os-server-groups', async (request) => {
    const c = callerOf(request);
    const body = validate(createSchema(request), request.body).server_group;
    // 2.64's one policy with its rules, or the single-entry policies list before it.
    const policy: ServerGroup['policy'] = 'policy' in body ? body.policy : body.policies[0];
    const rules: ServerGroup['rules'] = ('rules' in body ? body.rules : undefined) ?? {};
    if (rules.max_server_per_host !== undefined && policy !== 'anti-affinity') {
      throw new BadRequest("Only anti-affinity policy supports the 'max_server_per_host' rule.");
    }
    const used = deps.store.groups.all().filter((g) => g.projectId === c.projectId).length;
    checkCount(deps.store.quotas.limits(c.projectId), 'server_groups', used, 1);
    const g = await deps.store.groups.create({
      uuid: deps.rng.uuid4(), name: body.name, projectId: c.projectId, userId: c.userId, policy, rules, members: [],
      createdAt: deps.clock.now(),
    });
    return { server_group: view(request, g) };
  });

  app.delete<P>('/os-server-groups/:id', async (request, reply) => {
    const g = find(deps, request, request.params.id);
    await deps.store.groups.delete(g);
    return reply.code(204).send();
  });
}
