/** /resource_providers: list (filters by version), create, show, update, delete; inventories and usages. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { emptyGroup, PlacementError, type Inventory, type ProviderFilter } from '../../placement/index.ts';
import { body, canonicalUuid, mv, query, queryAll, requireAdmin, since, uuidParam } from './http.ts';
import { parseMemberOf, parseRequired, parseResources } from './request-groups.ts';
import type { PlacementRouter } from './router.ts';
import { inventoriesView, inventoryView, MAX_INT, providerView, usagesView } from './views.ts';

const uuidStr = z.string().regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/);
const rpName = z.string().min(1).max(200);
const inventoryFields = {
  total: z.number().int().min(1).max(MAX_INT),
  reserved: z.number().int().min(0).max(MAX_INT).optional(),
  min_unit: z.number().int().min(1).max(MAX_INT).optional(),
  max_unit: z.number().int().min(1).max(MAX_INT).optional(),
  step_size: z.number().int().min(1).max(MAX_INT).optional(),
  allocation_ratio: z.number().gt(0).max(3.40282e38).optional(),
};
const inventorySchema = z.object(inventoryFields).strict();
const generation = z.number().int().min(0);

export function toInventory(i: z.infer<typeof inventorySchema>): Inventory {
  return { total: i.total, reserved: i.reserved ?? 0, minUnit: i.min_unit ?? 1, maxUnit: i.max_unit ?? MAX_INT, stepSize: i.step_size ?? 1, allocationRatio: i.allocation_ratio ?? 1.0 };
}

export function registerProviderRoutes(app: FastifyInstance, router: PlacementRouter, newUuid: () => string): void {
  app.get('/resource_providers', async (request) => {
    requireAdmin(request, 'placement:resource_providers:list');
    const v = mv(request);
    const allowed = ['name', 'uuid'];
    if (v.ge('1.3')) allowed.push('member_of');
    if (v.ge('1.4')) allowed.push('resources');
    if (v.ge('1.14')) allowed.push('in_tree');
    if (v.ge('1.18')) allowed.push('required');
    const q = query(request, allowed);
    const f: ProviderFilter = {};
    if (q.has('name')) f.name = q.get('name')!;
    if (q.has('uuid')) f.uuid = uuidParam(q.get('uuid')!);
    if (q.has('in_tree')) f.inTree = uuidParam(q.get('in_tree')!, 'in_tree');
    const g = emptyGroup();
    if (q.has('resources')) g.resources = parseResources(q.get('resources')!);
    if (q.has('required')) parseRequired(v.ge('1.39') ? queryAll(request, 'required') : [q.get('required')!], v, g);
    if (q.has('member_of')) parseMemberOf(queryAll(request, 'member_of'), v, g);
    f.group = g;
    const list = await router.listProviders(f, request.id);
    list.sort((a, b) => a.name.localeCompare(b.name));
    return { resource_providers: list.map((r) => providerView(r, v)) };
  });

  app.post('/resource_providers', async (request, reply) => {
    requireAdmin(request, 'placement:resource_providers:create');
    const v = mv(request);
    // parent_provider_uuid from 1.14 (`.pick` leaves it out of the schema before).
    const schema = z.object({ name: rpName, uuid: uuidStr.optional(), parent_provider_uuid: uuidStr.nullable().optional() })
      .pick({ name: true, uuid: true, parent_provider_uuid: v.ge('1.14') || undefined }).strict();
    const b = body(schema, request);
    const uuid = b.uuid ? canonicalUuid(b.uuid) : newUuid();
    const parent = b.parent_provider_uuid;
    const r = await router.createProvider({ uuid, name: b.name, parentProviderUuid: parent ? canonicalUuid(parent) : null }, request.id);
    reply.header('location', `/placement/resource_providers/${uuid}`).code(201);
    if (v.ge('1.20')) return providerView(r, v);
    return reply.send('');
  });

  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid', async (request) => {
    requireAdmin(request, 'placement:resource_providers:show');
    return providerView(await router.getProvider(uuidParam(request.params.uuid), request.id), mv(request));
  });

  app.put<{ Params: { uuid: string } }>('/resource_providers/:uuid', async (request) => {
    requireAdmin(request, 'placement:resource_providers:update');
    const v = mv(request);
    const uuid = uuidParam(request.params.uuid);
    const schema = z.object({ name: rpName, parent_provider_uuid: uuidStr.nullable().optional() })
      .pick({ name: true, parent_provider_uuid: v.ge('1.14') || undefined }).strict();
    const b = body(schema, request);
    const cur = await router.getProvider(uuid, request.id);
    const raw = b.parent_provider_uuid;
    const parent = raw === undefined ? undefined : raw === null ? null : canonicalUuid(raw);
    if (parent !== undefined && parent !== cur.parentProviderUuid && cur.parentProviderUuid !== null && v.lt('1.37')) {
      throw new PlacementError(400, 'Unable to save resource provider: re-parenting a provider is not currently allowed.');
    }
    return providerView(await router.onProvider(uuid, 'update_provider', { uuid, name: b.name, parentProviderUuid: parent }, request.id), v);
  });

  app.delete<{ Params: { uuid: string } }>('/resource_providers/:uuid', async (request, reply) => {
    requireAdmin(request, 'placement:resource_providers:delete');
    await router.deleteProvider(uuidParam(request.params.uuid), request.id);
    return reply.code(204).send();
  });

  // --- inventories ---
  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid/inventories', async (request) => {
    requireAdmin(request, 'placement:resource_providers:inventories:list');
    return inventoriesView(await router.getProvider(uuidParam(request.params.uuid), request.id));
  });

  app.put<{ Params: { uuid: string } }>('/resource_providers/:uuid/inventories', async (request) => {
    requireAdmin(request, 'placement:resource_providers:inventories:update');
    const uuid = uuidParam(request.params.uuid);
    const b = body(z.object({ resource_provider_generation: generation, inventories: z.record(z.string(), inventorySchema) }).strict(), request);
    const inventories: Record<string, Inventory> = {};
    for (const [rc, i] of Object.entries(b.inventories)) inventories[rc] = toInventory(i);
    return inventoriesView(await router.putInventories(uuid, b.resource_provider_generation, inventories, request.id));
  });

  app.post<{ Params: { uuid: string } }>('/resource_providers/:uuid/inventories', async (request, reply) => {
    requireAdmin(request, 'placement:resource_providers:inventories:create');
    const uuid = uuidParam(request.params.uuid);
    const b = body(z.object({ resource_class: z.string(), resource_provider_generation: generation, ...inventoryFields }).strict(), request);
    const cur = await router.getProvider(uuid, request.id);
    if (b.resource_class in cur.inventories) throw new PlacementError(409, `Update conflict: inventory for ${b.resource_class} on resource provider ${uuid} already exists`);
    const { resource_class: rc, resource_provider_generation: gen, ...inv } = b;
    const r = await router.onProvider(uuid, 'put_inventory', { uuid, generation: gen, resourceClass: rc, inventory: toInventory(inv) }, request.id);
    reply.header('location', `/placement/resource_providers/${uuid}/inventories/${rc}`).code(201);
    return { resource_provider_generation: r.generation, ...inventoryView(r.inventories[rc]!) };
  });

  app.delete<{ Params: { uuid: string } }>('/resource_providers/:uuid/inventories', async (request, reply) => {
    requireAdmin(request, 'placement:resource_providers:inventories:delete');
    since(request, '1.5', 405);
    const uuid = uuidParam(request.params.uuid);
    await router.onProvider(uuid, 'delete_inventories', { uuid }, request.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { uuid: string; rc: string } }>('/resource_providers/:uuid/inventories/:rc', async (request) => {
    requireAdmin(request, 'placement:resource_providers:inventories:show');
    const r = await router.getProvider(uuidParam(request.params.uuid), request.id);
    const inv = Object.hasOwn(r.inventories, request.params.rc) ? r.inventories[request.params.rc] : undefined;
    if (!inv) throw new PlacementError(404, `No inventory of class ${request.params.rc} for ${r.uuid}`);
    return { resource_provider_generation: r.generation, ...inventoryView(inv) };
  });

  app.put<{ Params: { uuid: string; rc: string } }>('/resource_providers/:uuid/inventories/:rc', async (request) => {
    requireAdmin(request, 'placement:resource_providers:inventories:update');
    const uuid = uuidParam(request.params.uuid);
    const rc = request.params.rc;
    const b = body(z.object({ resource_provider_generation: generation, ...inventoryFields }).strict(), request);
    const { resource_provider_generation: gen, ...inv } = b;
    const r = await router.onProvider(uuid, 'put_inventory', { uuid, generation: gen, resourceClass: rc, inventory: toInventory(inv) }, request.id);
    return { resource_provider_generation: r.generation, ...inventoryView(r.inventories[rc]!) };
  });

  app.delete<{ Params: { uuid: string; rc: string } }>('/resource_providers/:uuid/inventories/:rc', async (request, reply) => {
    requireAdmin(request, 'placement:resource_providers:inventories:delete');
    const uuid = uuidParam(request.params.uuid);
    await router.onProvider(uuid, 'delete_inventory', { uuid, resourceClass: request.params.rc }, request.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { uuid: string } }>('/resource_providers/:uuid/usages', async (request) => {
    requireAdmin(request, 'placement:resource_providers:usages');
    return usagesView(await router.getProvider(uuidParam(request.params.uuid), request.id));
  });
}
