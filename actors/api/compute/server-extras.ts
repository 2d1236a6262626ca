/**
 * Small per-server resources: addresses (on the simulated network, see views/addresses.ts), the
 * server password (what the guest posted to the metadata service, actors/api/metadata/passwords.ts).
 * Remote consoles: remote-consoles.ts.
 */
import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../../runtime/errors/index.ts';
import type { ComputeDeps } from './deps.ts';
import { loadServer } from './server-lookup.ts';
import { addressesOf } from './views/addresses.ts';

type P = { Params: { id: string; network?: string } };

export function registerServerExtraRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/servers/:id/ips', async (request) => {
    const m = await loadServer(deps, request, request.params.id);
    return { addresses: addressesOf(m, false) };
  });
  app.get<P>('/servers/:id/ips/:network', async (request) => {
    const m = await loadServer(deps, request, request.params.id);
    const all = addressesOf(m, false);
    const net = request.params.network!;
    if (!Object.hasOwn(all, net)) throw new NotFound("There's no such network");
    return { [net]: all[net] };
  });

  app.get<P>('/servers/:id/os-server-password', async (request) => {
    const m = await loadServer(deps, request, request.params.id);
    return { password: deps.store.instances.attrs(m.inst.uuid).serverPassword ?? '' };
  });
  app.delete<P>('/servers/:id/os-server-password', async (request, reply) => {
    const m = await loadServer(deps, request, request.params.id);
    await deps.store.instances.patch(m.inst.uuid, { serverPassword: '' });
    return reply.code(204).send();
  });
}
