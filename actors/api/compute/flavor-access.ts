/**
 * Flavor visibility (Nova's flavor access): public flavors are for everyone; a private flavor only
 * for admins and the projects on its access list. Anyone else gets FlavorNotFound, as in Nova.
 */
import type { Flavor } from '../db/index.ts';
import type { Caller } from './context.ts';

export function flavorVisibleTo(f: Flavor, c: Pick<Caller, 'isAdmin' | 'projectId'>): boolean {
  return f.isPublic || c.isAdmin || f.projects.includes(c.projectId);
}
