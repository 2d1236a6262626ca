/**
 * The identity directory: users, projects, domains, roles and role assignments, read-only and checked
 * once when built (a dangling domain or project id is a configuration error, said with the ids).
 */
import { createHash } from 'node:crypto';
import type { DomainInput, IdentityData, ProjectInput, RoleInput, UserInput } from './types.ts';

export interface Domain { id: string; name: string; description: string; enabled: boolean }
export interface Project { id: string; name: string; domainId: string; description: string; enabled: boolean }
export interface Role { id: string; name: string }
export interface User {
  id: string; name: string; domainId: string; passwordHash: string; enabled: boolean; email: string | undefined;
  defaultProjectId: string | undefined;
}

/** One role held by one user on a project or a domain. */
export interface RoleAssignment {
  userId: string;
  roleId: string;
  scope: { projectId: string } | { domainId: string };
}

export const DEFAULT_DOMAIN: DomainInput = { id: 'default', name: 'Default', description: 'The default domain' };

/** A stable 32-hex id for a role known only by name (Keystone ids are uuid4 hex). */
export function roleIdFor(name: string): string {
  return createHash('sha256').update(`role:${name}`).digest('hex').slice(0, 32);
}

function byId<T extends { id: string }>(kind: string, items: T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) {
    if (m.has(it.id)) throw new Error(`identity: duplicate ${kind} id ${JSON.stringify(it.id)}`);
    m.set(it.id, it);
  }
  return m;
}

export class IdentityDirectory {
  private readonly domainMap: Map<string, Domain>;
  private readonly projectMap: Map<string, Project>;
  private readonly userMap: Map<string, User>;
  private readonly roleMap: Map<string, Role>;
  private readonly roleByName = new Map<string, Role>();
  private readonly assignmentList: RoleAssignment[] = [];

  constructor(data: IdentityData) {
    const domains = (data.domains ?? [DEFAULT_DOMAIN]).map((d): Domain => ({
      id: d.id, name: d.name, description: d.description ?? '', enabled: d.enabled ?? true,
    }));
    this.domainMap = byId('domain', domains);
    this.projectMap = byId('project', data.projects.map((p: ProjectInput): Project => {
      this.requireDomain(p.domainId, `project ${p.id}`);
      return { id: p.id, name: p.name, domainId: p.domainId, description: p.description ?? '', enabled: p.enabled ?? true };
    }));
    this.roleMap = byId('role', this.collectRoles(data));
    for (const r of this.roleMap.values()) this.roleByName.set(r.name, r);
    this.userMap = byId('user', data.users.map((u) => this.addUser(u)));
    this.checkUniqueNames();
  }

  private requireDomain(id: string, owner: string): void {
    if (!this.domainMap.has(id)) throw new Error(`identity: ${owner} names unknown domain ${JSON.stringify(id)}`);
  }

  private collectRoles(data: IdentityData): Role[] {
    const names = new Map<string, RoleInput>();
    for (const r of data.roles ?? []) names.set(r.name, r);
    for (const u of data.users) for (const n of [...u.roles, ...(u.domainRoles ?? [])]) if (!names.has(n)) names.set(n, { name: n });
    return [...names.values()].map((r) => ({ id: r.id ?? roleIdFor(r.name), name: r.name }));
  }

  private addUser(u: UserInput): User {
    this.requireDomain(u.domainId, `user ${u.id}`);
    for (const pid of [u.projectId, u.defaultProjectId]) {
      if (pid !== undefined && !this.projectMap.has(pid)) {
        throw new Error(`identity: user ${u.id} names unknown project ${JSON.stringify(pid)}`);
      }
    }
    for (const name of u.roles) {
      this.assignmentList.push({ userId: u.id, roleId: this.roleByName.get(name)!.id, scope: { projectId: u.projectId } });
    }
    for (const name of u.domainRoles ?? []) {
      this.assignmentList.push({ userId: u.id, roleId: this.roleByName.get(name)!.id, scope: { domainId: u.domainId } });
    }
    return {
      id: u.id, name: u.name, domainId: u.domainId, passwordHash: u.passwordHash, enabled: u.enabled ?? true,
      email: u.email, defaultProjectId: u.defaultProjectId,
    };
  }

  private checkUniqueNames(): void {
    const seen = new Set<string>();
    const once = (key: string, what: string): void => {
      if (seen.has(key)) throw new Error(`identity: duplicate ${what}`);
      seen.add(key);
    };
    for (const d of this.domainMap.values()) once(`d:${d.name}`, `domain name ${JSON.stringify(d.name)}`);
    for (const p of this.projectMap.values()) once(`p:${p.domainId}:${p.name}`, `project name ${JSON.stringify(p.name)} in domain ${p.domainId}`);
    for (const u of this.userMap.values()) once(`u:${u.domainId}:${u.name}`, `user name ${JSON.stringify(u.name)} in domain ${u.domainId}`);
  }

  domain(id: string): Domain | undefined { return this.domainMap.get(id); }
  project(id: string): Project | undefined { return this.projectMap.get(id); }
  user(id: string): User | undefined { return this.userMap.get(id); }
  role(id: string): Role | undefined { return this.roleMap.get(id); }
  roleNamed(name: string): Role | undefined { return this.roleByName.get(name); }

  domainNamed(name: string): Domain | undefined {
    return [...this.domainMap.values()].find((d) => d.name === name);
  }
  projectNamed(name: string, domainId: string): Project | undefined {
    return [...this.projectMap.values()].find((p) => p.name === name && p.domainId === domainId);
  }
  userNamed(name: string, domainId: string): User | undefined {
    return [...this.userMap.values()].find((u) => u.name === name && u.domainId === domainId);
  }

  domains(): Domain[] { return [...this.domainMap.values()]; }
  projects(): Project[] { return [...this.projectMap.values()]; }
  users(): User[] { return [...this.userMap.values()]; }
  roles(): Role[] { return [...this.roleMap.values()]; }
  assignments(): RoleAssignment[] { return [...this.assignmentList]; }

  /** Role names `userId` holds on a project. */
  projectRoles(userId: string, projectId: string): string[] {
    return this.namesOf(this.assignmentList.filter((a) => a.userId === userId && 'projectId' in a.scope && a.scope.projectId === projectId));
  }

  /** Role names `userId` holds on a domain. */
  domainRoles(userId: string, domainId: string): string[] {
    return this.namesOf(this.assignmentList.filter((a) => a.userId === userId && 'domainId' in a.scope && a.scope.domainId === domainId));
  }

  /** Projects the user holds any role on. */
  projectsOf(userId: string): Project[] {
    const ids = new Set(this.assignmentList.flatMap((a) => (a.userId === userId && 'projectId' in a.scope ? [a.scope.projectId] : [])));
    return [...ids].map((id) => this.projectMap.get(id)!);
  }

  /** Domains the user holds any role on. */
  domainsOf(userId: string): Domain[] {
    const ids = new Set(this.assignmentList.flatMap((a) => (a.userId === userId && 'domainId' in a.scope ? [a.scope.domainId] : [])));
    return [...ids].map((id) => this.domainMap.get(id)!);
  }

  private namesOf(list: RoleAssignment[]): string[] {
    return [...new Set(list.map((a) => this.roleMap.get(a.roleId)!.name))];
  }
}
