/**
 * /flavors/{id}/os-extra_specs: everyone who sees the flavor reads its extra specs; only admins set,
 * update and unset them. Keys are 1-255 of [a-zA-Z0-9-_:. ]; values strings or numbers of at most 255.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { findFlavor } from './flavors.ts';
import { validate } from './validation.ts';

type P = { Params: { id: string; key?: string } };

const specs = z.record(
  z.string().regex(/^[a-zA-Z0-9-_:. ]{1,255}$/, 'is not a valid extra spec key'),
  z.union([z.string().max(255), z.number().refine((n) => String(n).length <= 255, 'is too long')]),
).transform((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)])));

export function registerFlavorExtraSpecRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/flavors/:id/os-extra_specs', async (request) => ({ extra_specs: { ...findFlavor(deps, request, request.params.id).extraSpecs } }));

  app.post<P>('/flavors/:id/os-extra_specs', async (request) => {
    requireAdmin(request, 'os_compute_api:os-flavor-extra-specs:create');
    const body = validate(z.object({ extra_specs: specs }).strict(), request.body);
    const f = findFlavor(deps, request, request.params.id);
    await deps.store.flavors.update(f, { extraSpecs: { ...f.extraSpecs, ...body.extra_specs } }, deps.clock.now());
    return { extra_specs: body.extra_specs };
  });

  app.get<P>('/flavors/:id/os-extra_specs/:key', async (request) => {
    const f = findFlavor(deps, request, request.params.id);
    const key = request.params.key!;
    if (!Object.hasOwn(f.extraSpecs, key)) throw new NotFound(`Flavor ${f.id} has no extra specs with key ${key}.`);
    return { [key]: f.extraSpecs[key]! };
  });

  app.put<P>('/flavors/:id/os-extra_specs/:key', async (request) => {
    requireAdmin(request, 'os_compute_api:os-flavor-extra-specs:update');
    const body = validate(specs.refine((o) => Object.keys(o).length === 1, 'exactly one extra spec expected'), request.body);
    const key = request.params.key!;
    if (!Object.hasOwn(body, key)) throw new BadRequest('Request body and URI mismatch');
    const f = findFlavor(deps, request, request.params.id);
    await deps.store.flavors.update(f, { extraSpecs: { ...f.extraSpecs, ...body } }, deps.clock.now());
    return body;
  });

  app.delete<P>('/flavors/:id/os-extra_specs/:key', async (request, reply) => {
    requireAdmin(request, 'os_compute_api:os-flavor-extra-specs:delete');
    const f = findFlavor(deps, request, request.params.id);
    const key = request.params.key!;
    if (!Object.hasOwn(f.extraSpecs, key)) throw new NotFound(`Flavor ${f.id} has no extra specs with key ${key}.`);
    const next = { ...f.extraSpecs };
    delete next[key];
    await deps.store.flavors.update(f, { extraSpecs: next }, deps.clock.now());
    return reply.code(200).send();
  });
}
