/**
 * os-server-external-events (admin; what Neutron and Cinder call to tell Nova about ports and
 * volumes): each event is checked against its server and answered with a per-event code. There is no
 * networking or volume service here, so an accepted event changes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFound } from '../../../runtime/errors/index.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { isUuidLike, validate } from './validation.ts';

const NAMES = ['network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted', 'volume-extended', 'power-update', 'accelerator-request-bound', 'volume-reimaged'] as const;

const body = z.object({
  events: z.array(z.object({
    name: z.enum(NAMES),
    server_uuid: z.string(),
    status: z.enum(['failed', 'completed', 'in-progress']).optional(),
    tag: z.string().max(255).optional(),
  }).strict()).min(1),
}).strict();

export function registerExternalEventRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.post('/os-server-external-events', async (request, reply) => {
    requireAdmin(request, 'os_compute_api:os-server-external-events:create');
    const { events } = validate(body, request.body);
    const out = [];
    for (const e of events) {
      const found = isUuidLike(e.server_uuid)
        ? await deps.compute.get(e.server_uuid, contextOf(request)).then(() => true, (err: unknown) => {
          if (err instanceof NotFound) return false;
          throw err;
        })
        : false;
      out.push({ ...e, status: e.status ?? 'completed', code: found ? 200 : 404 });
    }
    const codes = new Set(out.map((e) => e.code));
    // Nova: 200 when every event was accepted, 404 when none was, 207 for a mix.
    return reply.code(codes.size > 1 ? 207 : codes.has(200) ? 200 : 404).send({ events: out });
  });
}
