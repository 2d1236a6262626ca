/**
 * os-security-groups and os-security-group-rules (nova-network's API, microversions ≤ 2.35; 404
 * from 2.36 as in Nova) and GET /servers/{id}/os-security-groups. Groups are records per project
 * with Nova's validation and error codes (nova/api/openstack/compute/security_groups.py of Queens,
 * nova/compute/api.py SecurityGroupAPI): integer ids, a "default" group made on first use that can be
 * neither renamed nor deleted, a group in use by a server cannot be deleted (400), deleting a group
 * drops the rules that name it as source. Nothing filters guest traffic: that needs a network service.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { SecurityGroup, SecurityGroupRule } from '../db/index.ts';
import { callerOf, type Caller } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { checkCount } from './quota-usage.ts';
import { loadServer } from './server-lookup.ts';
import { asObject, parseBoolString } from './validation.ts';
import { since } from './version.ts';

export const DEFAULT_GROUP = 'default';
type P = { Params: { id: string } };

/** These APIs went with nova-network: 404 from 2.36 (nova/api/openstack/api_version_request.py). */
export function checkNetworkEra(request: FastifyRequest): void {
  if (since(request, '2.36')) throw new NotFound('The resource could not be found.');
}

/** nova-network's validate_property: stripped value non-empty, at most 255 characters. */
function checkProperty(value: unknown, property: 'name' | 'description'): string {
  if (typeof value !== 'string') throw new BadRequest(`Security group ${property} is not a string or unicode`);
  const stripped = value.trim();
  if (stripped.length === 0) throw new BadRequest(`Security group ${property} cannot be empty.`);
  if (stripped.length > 255) throw new BadRequest(`Security group ${property} should not be greater than 255 characters.`);
  return value;
}

/** Group and rule ids are integers in nova-network; anything else is 400. */
export function parseId(id: unknown, what = 'Security group'): number {
  const s = typeof id === 'number' ? String(id) : typeof id === 'string' ? id.trim() : '';
  if (!/^\d{1,10}$/.test(s) || Number(s) > 2 ** 31 - 1) throw new BadRequest(`${what} id should be integer`);
  return Number(s);
}

/** The project's default group, made when the project first touches security groups. */
export async function ensureDefaultGroup(deps: ComputeDeps, projectId: string, userId: string): Promise<SecurityGroup> {
  return deps.store.network.byName(projectId, DEFAULT_GROUP)
    ?? deps.store.network.create({ projectId, userId, name: DEFAULT_GROUP, description: DEFAULT_GROUP, createdAt: deps.clock.now() });
}

/** A group the caller may see: its project's (any project's for an admin); 404 otherwise. */
export function findGroup(deps: ComputeDeps, caller: Caller, id: number): SecurityGroup {
  const g = deps.store.network.get(id);
  if (!g || (!caller.isAdmin && g.projectId !== caller.projectId)) throw new NotFound(`Security group ${id} not found.`);
  return g;
}

export function ruleView(deps: ComputeDeps, r: SecurityGroupRule): Record<string, unknown> {
  const source = r.groupId === null ? undefined : deps.store.network.get(r.groupId);
  return {
    id: r.id, parent_group_id: r.parentGroupId, ip_protocol: r.protocol, from_port: r.fromPort, to_port: r.toPort,
    ip_range: r.cidr === null ? {} : { cidr: r.cidr },
    group: source ? { name: source.name, tenant_id: source.projectId } : {},
  };
}

export function groupView(deps: ComputeDeps, g: SecurityGroup): Record<string, unknown> {
  return {
    id: g.id, name: g.name, description: g.description, tenant_id: g.projectId,
    rules: deps.store.network.rulesOf(g.id).map((r) => ruleView(deps, r)),
  };
}

/** Live servers of the group's project that name it (server attrs keep group names, as Nova shows them). */
function serversUsing(deps: ComputeDeps, g: SecurityGroup): string[] {
  return deps.store.instances.live()
    .filter((m) => m.projectId === g.projectId && (m.attrs.securityGroups ?? [DEFAULT_GROUP]).includes(g.name))
    .map((m) => m.uuid);
}

function groupBody(body: unknown): Record<string, unknown> {
  const sg = asObject(body)['security_group'];
  if (typeof sg !== 'object' || sg === null || Array.isArray(sg)) throw new BadRequest('Missing parameter security_group');
  return sg as Record<string, unknown>;
}

export function registerSecurityGroupRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-security-groups', async (request) => {
    checkNetworkEra(request);
    const c = callerOf(request);
    await ensureDefaultGroup(deps, c.projectId, c.userId);
    const all = c.isAdmin && parseBoolString(queryValue(request.query, 'all_tenants') ?? 'false') === true;
    let groups = deps.store.network.list(all ? undefined : c.projectId);
    const offset = Number(queryValue(request.query, 'offset') ?? 0);
    const limit = Number(queryValue(request.query, 'limit') ?? groups.length);
    if (Number.isInteger(offset) && Number.isInteger(limit) && offset >= 0 && limit >= 0) groups = groups.slice(offset, offset + limit);
    return { security_groups: groups.map((g) => groupView(deps, g)) };
  });

  app.post('/os-security-groups', async (request) => {
    checkNetworkEra(request);
    const c = callerOf(request);
    const sg = groupBody(request.body);
    const name = checkProperty(sg['name'], 'name');
    const description = checkProperty(sg['description'], 'description');
    await ensureDefaultGroup(deps, c.projectId, c.userId);
    checkCount(deps.store.quotas.limits(c.projectId), 'security_groups', deps.store.network.list(c.projectId).length, 1);
    if (deps.store.network.byName(c.projectId, name)) throw new BadRequest(`Security group ${name} already exists`);
    const g = await deps.store.network.create({ projectId: c.projectId, userId: c.userId, name, description, createdAt: deps.clock.now() });
    return { security_group: groupView(deps, g) };
  });

  app.get<P>('/os-security-groups/:id', async (request) => {
    checkNetworkEra(request);
    const g = findGroup(deps, callerOf(request), parseId(request.params.id));
    return { security_group: groupView(deps, g) };
  });

  app.put<P>('/os-security-groups/:id', async (request) => {
    checkNetworkEra(request);
    const c = callerOf(request);
    const g = findGroup(deps, c, parseId(request.params.id));
    const sg = groupBody(request.body);
    const name = sg['name'] === undefined ? g.name : checkProperty(sg['name'], 'name');
    const description = sg['description'] === undefined ? g.description : checkProperty(sg['description'], 'description');
    if (g.name === DEFAULT_GROUP) throw new BadRequest(`Unable to update system group '${DEFAULT_GROUP}'`);
    if (name !== g.name && deps.store.network.byName(g.projectId, name)) throw new BadRequest(`Security group ${name} already exists`);
    const oldName = g.name;
    await deps.store.network.update(g, { name, description });
    if (name !== oldName) {
      // Servers remember their groups by name; follow the rename.
      for (const uuid of serversUsing(deps, { ...g, name: oldName })) {
        const groups = deps.store.instances.attrs(uuid).securityGroups ?? [DEFAULT_GROUP];
        await deps.store.instances.patch(uuid, { securityGroups: groups.map((n) => (n === oldName ? name : n)) });
      }
    }
    return { security_group: groupView(deps, g) };
  });

  app.delete<P>('/os-security-groups/:id', async (request, reply) => {
    checkNetworkEra(request);
    const g = findGroup(deps, callerOf(request), parseId(request.params.id));
    if (g.name === DEFAULT_GROUP) throw new BadRequest('Removing default security group not allowed.');
    if (serversUsing(deps, g).length > 0) throw new BadRequest('Security group is still in use');
    await deps.store.network.delete(g);
    return reply.code(202).send();
  });

  // `DELETE /os-security-groups/` names no group: Nova's router answers 404, not 405.
  app.delete('/os-security-groups', async () => {
    throw new NotFound('The resource could not be found.');
  });

  app.get<P>('/servers/:id/os-security-groups', async (request) => {
    const server = await loadServer(deps, request, request.params.id);
    const names = server.attrs.securityGroups ?? [DEFAULT_GROUP];
    if (names.includes(DEFAULT_GROUP)) await ensureDefaultGroup(deps, server.inst.projectId, server.inst.userId);
    const groups = names.map((n) => deps.store.network.byName(server.inst.projectId, n)).filter((g): g is SecurityGroup => g !== undefined);
    return { security_groups: groups.map((g) => groupView(deps, g)) };
  });
}
