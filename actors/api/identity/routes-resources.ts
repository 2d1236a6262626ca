/**
 * Keystone's read-only resource APIs that clients and Tempest's admin setup read: projects, users,
 * domains, roles, role assignments. Policies follow Keystone's defaults in spirit: an admin sees
 * everything; others see themselves, their projects and their domain.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ownProperty, queryValue } from '../../../runtime/http/index.ts';
import { KeystoneForbidden, KeystoneNotFound } from './errors.ts';
import { collection, domainJson, projectJson, roleAssignmentJson, roleJson, userJson } from './render.ts';
import { callerOf, type IdentityUrls } from './routes-auth.ts';
import type { IdentityService } from './service.ts';
import type { AuthContext } from './types.ts';

function requireAdmin(caller: AuthContext): void {
  if (!caller.isAdmin) throw new KeystoneForbidden();
}

/** Keystone reads a boolean filter as true unless it is 0/false. */
function flag(request: FastifyRequest, name: string): boolean | undefined {
  if (ownProperty(request.query, name) === undefined) return undefined;
  const v = String(queryValue(request.query, name) ?? '').toLowerCase();
  return v !== '0' && v !== 'false';
}

/** Keep the items whose `field` equals the query parameter `param`, when it is given. */
function filterBy<T>(request: FastifyRequest, items: T[], filters: Record<string, (item: T) => unknown>): T[] {
  let out = items;
  for (const [param, get] of Object.entries(filters)) {
    if (param === 'enabled') {
      const want = flag(request, 'enabled');
      if (want !== undefined) out = out.filter((it) => get(it) === want);
      continue;
    }
    const want = queryValue(request.query, param);
    if (want !== undefined) out = out.filter((it) => get(it) === want);
  }
  return out;
}

export function registerResourceRoutes(app: FastifyInstance, service: IdentityService, urls: IdentityUrls): void {
  const dir = service.directory;

  app.get('/v3/projects', async (request) => {
    requireAdmin(await callerOf(service, request));
    const items = filterBy(request, dir.projects(), { name: (p) => p.name, domain_id: (p) => p.domainId, enabled: (p) => p.enabled });
    return collection('projects', items.map((p) => projectJson(p, urls.v3(request))), urls.self(request));
  });

  app.get<{ Params: { project_id: string } }>('/v3/projects/:project_id', async (request) => {
    const caller = await callerOf(service, request);
    const { project_id } = request.params;
    const project = dir.project(project_id);
    if (!caller.isAdmin && caller.projectId !== project_id) throw new KeystoneForbidden();
    if (!project) throw new KeystoneNotFound(`Could not find project: ${project_id}.`);
    return { project: projectJson(project, urls.v3(request)) };
  });

  app.get('/v3/users', async (request) => {
    requireAdmin(await callerOf(service, request));
    const items = filterBy(request, dir.users(), { name: (u) => u.name, domain_id: (u) => u.domainId, enabled: (u) => u.enabled });
    return collection('users', items.map((u) => userJson(u, urls.v3(request))), urls.self(request));
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id', async (request) => {
    const caller = await callerOf(service, request);
    const { user_id } = request.params;
    if (!caller.isAdmin && caller.userId !== user_id) throw new KeystoneForbidden();
    const user = dir.user(user_id);
    if (!user) throw new KeystoneNotFound(`Could not find user: ${user_id}.`);
    return { user: userJson(user, urls.v3(request)) };
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/projects', async (request) => {
    const caller = await callerOf(service, request);
    const { user_id } = request.params;
    if (!caller.isAdmin && caller.userId !== user_id) throw new KeystoneForbidden();
    if (!dir.user(user_id)) throw new KeystoneNotFound(`Could not find user: ${user_id}.`);
    const items = filterBy(request, dir.projectsOf(user_id), { name: (p) => p.name, domain_id: (p) => p.domainId, enabled: (p) => p.enabled });
    return collection('projects', items.map((p) => projectJson(p, urls.v3(request))), urls.self(request));
  });

  app.get('/v3/domains', async (request) => {
    requireAdmin(await callerOf(service, request));
    const items = filterBy(request, dir.domains(), { name: (d) => d.name, enabled: (d) => d.enabled });
    return collection('domains', items.map((d) => domainJson(d, urls.v3(request))), urls.self(request));
  });

  app.get<{ Params: { domain_id: string } }>('/v3/domains/:domain_id', async (request) => {
    const caller = await callerOf(service, request);
    const { domain_id } = request.params;
    const own = caller.domainId === domain_id || caller.projectDomainId === domain_id || caller.userDomainId === domain_id;
    if (!caller.isAdmin && !own) throw new KeystoneForbidden();
    const domain = dir.domain(domain_id);
    if (!domain) throw new KeystoneNotFound(`Could not find domain: ${domain_id}.`);
    return { domain: domainJson(domain, urls.v3(request)) };
  });

  app.get('/v3/roles', async (request) => {
    requireAdmin(await callerOf(service, request));
    const items = filterBy(request, dir.roles(), { name: (r) => r.name });
    return collection('roles', items.map((r) => roleJson(r, urls.v3(request))), urls.self(request));
  });

  app.get<{ Params: { role_id: string } }>('/v3/roles/:role_id', async (request) => {
    requireAdmin(await callerOf(service, request));
    const { role_id } = request.params;
    const role = dir.role(role_id);
    if (!role) throw new KeystoneNotFound(`Could not find role: ${role_id}.`);
    return { role: roleJson(role, urls.v3(request)) };
  });

  app.get('/v3/role_assignments', async (request) => {
    requireAdmin(await callerOf(service, request));
    const items = filterBy(request, dir.assignments(), {
      'user.id': (a) => a.userId,
      'role.id': (a) => a.roleId,
      'scope.project.id': (a) => ('projectId' in a.scope ? a.scope.projectId : undefined),
      'scope.domain.id': (a) => ('domainId' in a.scope ? a.scope.domainId : undefined),
    });
    const names = flag(request, 'include_names') ?? false;
    return collection('role_assignments', items.map((a) => roleAssignmentJson(a, dir, urls.v3(request), names)), urls.self(request));
  });
}
