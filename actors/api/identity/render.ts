/**
 * Keystone's JSON for projects, users, domains, roles and role assignments, each with its `links.self`,
 * and collections with `links: {self, previous, next}` (keystone/server/flask/common.py wrap_*).
 */
import type { Domain, IdentityDirectory, Project, Role, RoleAssignment, User } from './directory.ts';

/** The v3 root as clients reach it, e.g. http://host/identity/v3. */
export type V3Url = string;

export function collection(key: string, items: unknown[], selfUrl: string): Record<string, unknown> {
  return { [key]: items, links: { next: null, self: selfUrl, previous: null } };
}

export function projectJson(p: Project, v3: V3Url): Record<string, unknown> {
  return {
    id: p.id, name: p.name, domain_id: p.domainId, description: p.description, enabled: p.enabled,
    parent_id: p.domainId, is_domain: false, tags: [], options: {}, links: { self: `${v3}/projects/${p.id}` },
  };
}

export function domainJson(d: Domain, v3: V3Url): Record<string, unknown> {
  return {
    id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: [], options: {},
    links: { self: `${v3}/domains/${d.id}` },
  };
}

export function userJson(u: User, v3: V3Url): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, password_expires_at: null, options: {},
    links: { self: `${v3}/users/${u.id}` },
  };
  if (u.email !== undefined) out['email'] = u.email;
  if (u.defaultProjectId !== undefined) out['default_project_id'] = u.defaultProjectId;
  return out;
}

export function roleJson(r: Role, v3: V3Url): Record<string, unknown> {
  return { id: r.id, name: r.name, domain_id: null, description: null, options: {}, links: { self: `${v3}/roles/${r.id}` } };
}

export function roleAssignmentJson(a: RoleAssignment, dir: IdentityDirectory, v3: V3Url, includeNames: boolean): Record<string, unknown> {
  const role = dir.role(a.roleId)!;
  const user = dir.user(a.userId)!;
  const named = <T extends Record<string, unknown>>(base: T, extra: Record<string, unknown>): T => (includeNames ? { ...base, ...extra } : base);
  const domainRef = (id: string): { id: string; name: string } => ({ id, name: dir.domain(id)!.name });
  let scope: Record<string, unknown>;
  let target: string;
  if ('projectId' in a.scope) {
    const p = dir.project(a.scope.projectId)!;
    scope = { project: named({ id: p.id }, { name: p.name, domain: domainRef(p.domainId) }) };
    target = `projects/${p.id}`;
  } else {
    const d = dir.domain(a.scope.domainId)!;
    scope = { domain: named({ id: d.id }, { name: d.name }) };
    target = `domains/${d.id}`;
  }
  return {
    role: named({ id: role.id }, { name: role.name }),
    user: named({ id: user.id }, { name: user.name, domain: domainRef(user.domainId) }),
    scope,
    links: { assignment: `${v3}/${target}/users/${user.id}/roles/${role.id}` },
  };
}
