/**
 * os-aggregates (admin): host aggregates with their hosts and metadata; an aggregate with an
 * availability_zone is how a zone exists. Every change is pushed to the cells' schedulers
 * (AvailabilityZoneFilter, AggregateInstanceExtraSpecsFilter). A host must be a known compute host
 * and cannot sit in two different zones.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, Conflict, NotFound } from '../../../runtime/errors/index.ts';
import type { Aggregate } from '../db/index.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { asObject, novaName, validate } from './validation.ts';
import { isLegacyV2, since } from './version.ts';

type P = { Params: { id: string } };

function naive(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

function view(request: FastifyRequest, a: Aggregate, full = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    availability_zone: a.availabilityZone,
    created_at: naive(a.createdAt),
    deleted: false,
    deleted_at: null,
    id: a.id,
    name: a.name,
    updated_at: naive(a.updatedAt),
  };
  if (full) {
    out['hosts'] = [...a.hosts];
    out['metadata'] = { ...a.metadata };
  }
  if (since(request, '2.41')) out['uuid'] = a.uuid;
  return out;
}

function parseId(id: string): number {
  if (!/^-?\d+$/.test(id)) throw new BadRequest(`id must be an integer: ${id}`);
  return Number(id);
}

function find(deps: ComputeDeps, id: string): Aggregate {
  const n = parseId(id);
  const a = deps.store.aggregates.get(n);
  if (!a) throw new NotFound(`Aggregate ${id} could not be found.`);
  return a;
}

/** Tell every cell the aggregates as they are now. */
export async function syncAggregates(deps: ComputeDeps, request: FastifyRequest): Promise<void> {
  const list = deps.store.aggregates.all().map((a) => ({
    id: a.id, name: a.name, availabilityZone: a.availabilityZone, metadata: { ...a.metadata }, hosts: [...a.hosts],
  }));
  await deps.compute.syncAggregates(list, contextOf(request));
}

function zoneName(request: FastifyRequest) {
  return novaName(255, isLegacyV2(request)).refine((s) => !s.includes(':'), 'availability zone names may not contain ":"');
}

function checkZoneConflicts(deps: ComputeDeps, a: Aggregate, zone: string | null, hosts: string[]): void {
  if (!zone) return;
  for (const other of deps.store.aggregates.all()) {
    if (other.id === a.id || !other.availabilityZone || other.availabilityZone === zone) continue;
    const shared = other.hosts.find((h) => hosts.includes(h));
    if (shared) {
      throw new Conflict(`Cannot add host ${shared} in aggregate ${a.id}: host is already in availability zone ${other.availabilityZone}`);
    }
  }
}

export function registerAggregateRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-aggregates', async (request) => {
    requireAdmin(request, 'os_compute_api:os-aggregates:index');
    return { aggregates: deps.store.aggregates.all().map((a) => view(request, a)) };
  });

  app.post('/os-aggregates', async (request) => {
    requireAdmin(request, 'os_compute_api:os-aggregates:create');
    const body = validate(z.object({
      aggregate: z.object({ name: novaName(255, isLegacyV2(request)), availability_zone: zoneName(request).nullable().optional() }).strict(),
    }).strict(), request.body).aggregate;
    const name = body.name.trim();
    const zone = body.availability_zone?.trim() || null;
    if (deps.store.aggregates.byName(name)) throw new Conflict(`Aggregate ${name} already exists.`);
    const now = deps.clock.now();
    const a = await deps.store.aggregates.create({
      uuid: deps.rng.uuid4(), name, availabilityZone: zone, hosts: [], metadata: zone ? { availability_zone: zone } : {},
      createdAt: now, updatedAt: null,
    });
    return { aggregate: view(request, a, false) };
  });

  app.get<P>('/os-aggregates/:id', async (request) => {
    requireAdmin(request, 'os_compute_api:os-aggregates:show');
    return { aggregate: view(request, find(deps, request.params.id)) };
  });

  app.put<P>('/os-aggregates/:id', async (request) => {
    requireAdmin(request, 'os_compute_api:os-aggregates:update');
    const body = validate(z.object({
      aggregate: z.object({ name: novaName(255, isLegacyV2(request)).optional(), availability_zone: zoneName(request).nullable().optional() })
        .strict().refine((o) => Object.keys(o).length > 0, 'at least one of name and availability_zone is required'),
    }).strict(), request.body).aggregate;
    const a = find(deps, request.params.id);
    if (body.name !== undefined) {
      const clash = deps.store.aggregates.byName(body.name.trim());
      if (clash && clash.id !== a.id) throw new Conflict(`Aggregate ${body.name} already exists.`);
      a.name = body.name.trim();
    }
    if (body.availability_zone !== undefined) {
      const zone = body.availability_zone?.trim() || null;
      checkZoneConflicts(deps, a, zone, a.hosts);
      a.availabilityZone = zone;
      if (zone) a.metadata['availability_zone'] = zone;
      else delete a.metadata['availability_zone'];
    }
    await deps.store.aggregates.save(a, deps.clock.now());
    await syncAggregates(deps, request);
    return { aggregate: view(request, a) };
  });

  app.delete<P>('/os-aggregates/:id', async (request, reply) => {
    requireAdmin(request, 'os_compute_api:os-aggregates:delete');
    const a = find(deps, request.params.id);
    if (a.hosts.length > 0) throw new BadRequest(`Cannot delete aggregate ${a.id}: it still has hosts.`);
    await deps.store.aggregates.delete(a);
    await syncAggregates(deps, request);
    return reply.code(200).send();
  });

  app.post<P>('/os-aggregates/:id/images', async (request, reply) => {
    if (!since(request, '2.81')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'compute:aggregates:images');
    const body = validate(z.object({ cache: z.array(z.object({ id: z.string() }).strict()).min(1) }).strict(), request.body);
    const ids = body.cache.map((c) => c.id);
    if (new Set(ids).size !== ids.length) throw new BadRequest('Duplicate images in request');
    find(deps, request.params.id);
    for (const id of ids) if (!deps.store.images.get(id)) throw new BadRequest(`Image ${id} could not be found.`);
    // Every fake hypervisor has every image at hand: nothing to pre-cache.
    return reply.code(202).send();
  });

  app.post<P>('/os-aggregates/:id/action', async (request) => {
    const body = asObject(request.body);
    const hostBody = z.object({ host: novaName(255, true) }).strict();
    if ('add_host' in body) {
      const { host } = validate(hostBody, body['add_host']);
      requireAdmin(request, 'os_compute_api:os-aggregates:add_host');
      const a = find(deps, request.params.id);
      const services = await deps.compute.services(contextOf(request));
      if (!services.some((s) => s.host === host && s.binary === 'nova-compute')) throw new NotFound(`Compute host ${host} could not be found.`);
      if (a.hosts.includes(host)) throw new Conflict(`Aggregate ${a.id} already has host ${host}.`);
      checkZoneConflicts(deps, a, a.availabilityZone, [host]);
      a.hosts = [...a.hosts, host];
      await deps.store.aggregates.save(a, deps.clock.now());
      await syncAggregates(deps, request);
      return { aggregate: view(request, a) };
    }
    if ('remove_host' in body) {
      const { host } = validate(hostBody, body['remove_host']);
      requireAdmin(request, 'os_compute_api:os-aggregates:remove_host');
      const a = find(deps, request.params.id);
      if (!a.hosts.includes(host)) throw new NotFound(`Cannot remove host ${host} in aggregate ${a.id}`);
      a.hosts = a.hosts.filter((h) => h !== host);
      await deps.store.aggregates.save(a, deps.clock.now());
      await syncAggregates(deps, request);
      return { aggregate: view(request, a) };
    }
    if ('set_metadata' in body) {
      const { metadata } = validate(z.object({
        metadata: z.record(z.string().min(1).max(255), z.string().max(255).nullable()),
      }).strict(), body['set_metadata']);
      requireAdmin(request, 'os_compute_api:os-aggregates:set_metadata');
      const a = find(deps, request.params.id);
      for (const [k, v] of Object.entries(metadata)) {
        if (v === null) delete a.metadata[k];
        else a.metadata[k] = v;
      }
      if ('availability_zone' in metadata) {
        const zone = metadata['availability_zone'] ?? null;
        checkZoneConflicts(deps, a, zone, a.hosts);
        a.availabilityZone = zone;
      }
      await deps.store.aggregates.save(a, deps.clock.now());
      await syncAggregates(deps, request);
      return { aggregate: view(request, a) };
    }
    throw new BadRequest(`There is no such action: ${Object.keys(body)[0] ?? ''}`);
  });
}
