/**
 * os-services (admin): list (filter by host/binary; the CLI's literal `None` means no filter),
 * enable/disable/force-down by host and binary before 2.53, by service uuid from 2.53, and delete.
 * Changes go to the cell that runs the service.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { ServiceView } from '../compute-api.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { isUuidLike, novaBoolean, validate } from './validation.ts';
import { since } from './version.ts';
import { zoneOfService } from './zones.ts';

type P = { Params: { id: string } };

function naive(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

function view(deps: ComputeDeps, request: FastifyRequest, s: ServiceView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: since(request, '2.53') ? s.uuid : deps.store.legacyIds.idOf('service', s.uuid),
    binary: s.binary,
    disabled_reason: s.disabledReason,
    host: s.host,
    state: s.up && !s.forcedDown ? 'up' : 'down',
    status: s.disabled ? 'disabled' : 'enabled',
    updated_at: naive(s.updatedAt ?? s.lastSeenUp),
    zone: zoneOfService(deps, s),
  };
  if (since(request, '2.11')) out['forced_down'] = s.forcedDown;
  return out;
}

const legacyBody = z.object({ host: z.string().min(1).max(255), binary: z.string().min(1).max(255), disabled_reason: z.string().max(255).optional() }).strict();
const forceDownBody = z.object({ host: z.string().min(1).max(255), binary: z.string().min(1).max(255), forced_down: novaBoolean }).strict();
const updateBody = z.object({
  status: z.enum(['enabled', 'disabled']).optional(),
  disabled_reason: z.string().min(1).max(255).optional(),
  forced_down: novaBoolean.optional(),
}).strict();

export function registerServiceRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-services', async (request) => {
    requireAdmin(request, 'os_compute_api:os-services:list');
    const host = queryValue(request.query, 'host');
    const binary = queryValue(request.query, 'binary');
    const list = (await deps.compute.services(contextOf(request)))
      .filter((s) => (host === undefined || s.host === host) && (binary === undefined || s.binary === binary))
      .sort((a, b) => deps.store.legacyIds.idOf('service', a.uuid) - deps.store.legacyIds.idOf('service', b.uuid));
    return { services: list.map((s) => view(deps, request, s)) };
  });

  // Before 2.53: PUT /os-services/{enable|disable|disable-log-reason|force-down} with host and binary.
  app.put<P>('/os-services/:id', async (request) => {
    requireAdmin(request, 'os_compute_api:os-services:update');
    const ctx = contextOf(request);
    const id = request.params.id;
    if (!since(request, '2.53')) {
      if (id === 'force-down') {
        if (!since(request, '2.11')) throw new NotFound('The resource could not be found.');
        const b = validate(forceDownBody, request.body);
        const s = await deps.compute.updateService({ host: b.host, binary: b.binary, forcedDown: b.forced_down }, ctx);
        return { service: { host: s.host, binary: s.binary, forced_down: s.forcedDown } };
      }
      if (!['enable', 'disable', 'disable-log-reason'].includes(id)) throw new NotFound('Unknown action');
      const b = validate(legacyBody, request.body);
      if (id === 'disable-log-reason' && !b.disabled_reason) throw new BadRequest('Missing disabled reason field');
      const disabled = id !== 'enable';
      const s = await deps.compute.updateService({
        host: b.host, binary: b.binary, disabled, disabledReason: id === 'disable-log-reason' ? b.disabled_reason! : null,
      }, ctx);
      const out: Record<string, unknown> = { host: s.host, binary: s.binary, status: s.disabled ? 'disabled' : 'enabled' };
      if (id === 'disable-log-reason') out['disabled_reason'] = s.disabledReason;
      return { service: out };
    }
    const b = validate(updateBody, request.body);
    if (!isUuidLike(id)) throw new BadRequest(`Invalid uuid ${id}`);
    if (b.disabled_reason !== undefined && b.status !== 'disabled') {
      throw new BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    }
    if (b.status === undefined && b.forced_down === undefined) {
      throw new BadRequest("At least one of 'status' or 'forced_down' must be specified in the request body.");
    }
    const all = await deps.compute.services(ctx);
    const svc = all.find((s) => s.uuid === id);
    if (!svc) throw new NotFound(`Service ${id} not found.`);
    if (svc.binary !== 'nova-compute') throw new BadRequest(`Updating a ${svc.binary} service is not supported. Only nova-compute services can be updated.`);
    const s = await deps.compute.updateService({
      host: svc.host, binary: svc.binary,
      ...(b.status !== undefined ? { disabled: b.status === 'disabled', disabledReason: b.status === 'disabled' ? (b.disabled_reason ?? null) : null } : {}),
      ...(b.forced_down !== undefined ? { forcedDown: b.forced_down } : {}),
    }, ctx);
    return { service: view(deps, request, s) };
  });

  app.delete<P>('/os-services/:id', async (request) => {
    requireAdmin(request, 'os_compute_api:os-services:delete');
    const all = await deps.compute.services(contextOf(request));
    const id = request.params.id;
    const svc = since(request, '2.53') ? all.find((s) => s.uuid === id) : all.find((s) => String(deps.store.legacyIds.idOf('service', s.uuid)) === id);
    if (since(request, '2.53') && !isUuidLike(id)) throw new BadRequest(`Invalid uuid ${id}`);
    if (!svc) throw new NotFound(`Service ${id} not found.`);
    throw new BadRequest(`Service ${id} runs in a cell; it is removed by stopping it there, not through the API.`);
  });
}
