/**
 * The identity data of a topology: its projects and users (passwords hashed here, never kept in
 * clear), in Keystone's Default domain or the domains the file names.
 */
import type { TopologyPlan } from '../../topology/index.ts';
import { hashPassword, type IdentityData } from './identity/index.ts';

export function domainIdOf(name: string): string {
  return name === 'Default' ? 'default' : name.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
}

export async function identityDataFromPlan(plan: TopologyPlan, hashCost?: number): Promise<IdentityData> {
  const domainNames = new Set(['Default', ...plan.projects.map((p) => p.domain), ...plan.users.map((u) => u.domain)]);
  const users = await Promise.all(plan.users.map(async (u) => ({
    id: u.id, name: u.name, domainId: domainIdOf(u.domain), passwordHash: await hashPassword(u.password, hashCost),
    projectId: u.projectId, roles: [...u.roles], defaultProjectId: u.projectId,
    domainRoles: u.roles.includes('admin') ? ['admin'] : [], enabled: u.enabled, ...(u.email ? { email: u.email } : {}),
  })));
  return {
    domains: [...domainNames].map((name) => ({ id: domainIdOf(name), name, description: name === 'Default' ? 'The default domain' : '' })),
    projects: plan.projects.map((p) => ({
      id: p.id, name: p.name, domainId: domainIdOf(p.domain), description: p.description ?? '', enabled: p.enabled,
    })),
    users,
  };
}
