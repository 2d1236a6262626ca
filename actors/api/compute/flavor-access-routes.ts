/**
 * Flavor access (admin): the projects a private flavor is shared with — list, addTenantAccess,
 * removeTenantAccess. Public flavors have no list (404); adding twice is 409.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BadRequest, Conflict, NotFound } from '../../../runtime/errors/index.ts';
import type { Flavor } from '../db/index.ts';
import { requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { asObject, validate } from './validation.ts';

type P = { Params: { id: string } };

function accessList(f: Flavor) {
  return { flavor_access: f.projects.map((p) => ({ flavor_id: f.id, tenant_id: p })) };
}

const tenantBody = z.object({ tenant: z.string().min(1).max(255) }).strict();

export function registerFlavorAccessRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const flavor = (id: string) => {
    const f = deps.store.flavors.get(id);
    if (!f) throw new NotFound(`Flavor ${id} could not be found.`);
    return f;
  };

  app.get<P>('/flavors/:id/os-flavor-access', async (request) => {
    requireAdmin(request, 'os_compute_api:os-flavor-access');
    const f = flavor(request.params.id);
    if (f.isPublic) throw new NotFound('Access list not available for public flavors.');
    return accessList(f);
  });

  app.post<P>('/flavors/:id/action', async (request) => {
    const body = asObject(request.body);
    if ('addTenantAccess' in body) {
      const { tenant } = validate(tenantBody, body['addTenantAccess']);
      requireAdmin(request, 'os_compute_api:os-flavor-access:add_tenant_access');
      const f = flavor(request.params.id);
      if (f.isPublic) throw new Conflict('Can not add access to a public flavor.');
      if (f.projects.includes(tenant)) throw new Conflict(`Flavor access already exists for flavor ${f.id} and project ${tenant} combination.`);
      await deps.store.flavors.update(f, { projects: [...f.projects, tenant] }, deps.clock.now());
      return accessList(f);
    }
    if ('removeTenantAccess' in body) {
      const { tenant } = validate(tenantBody, body['removeTenantAccess']);
      requireAdmin(request, 'os_compute_api:os-flavor-access:remove_tenant_access');
      const f = flavor(request.params.id);
      if (!f.projects.includes(tenant)) throw new NotFound(`Flavor access not found for ${f.id} / ${tenant} combination.`);
      await deps.store.flavors.update(f, { projects: f.projects.filter((p) => p !== tenant) }, deps.clock.now());
      return accessList(f);
    }
    throw new BadRequest(`There is no such action: ${Object.keys(body)[0] ?? ''}`);
  });
}
