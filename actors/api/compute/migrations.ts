/**
 * Migration records (nova/api/openstack/compute/migrations.py, server_migrations.py), admin-only:
 * GET /os-migrations with Nova's filters (2.23 migration_type and links, 2.59 uuid, paging and
 * changes-since, 2.66 changes-before, 2.80 user and project); a server's in-progress live migrations
 * (GET /servers/{id}/migrations[/{mid}], 2.23), their abort (DELETE, 2.24) and force_complete (2.22).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import { liveMigrationInProgress, migrationInProgress, type Migration, type MigrationFilter } from '../../objects/index.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { checkNotLocked, loadServer } from './server-lookup.ts';
import { asObject } from './validation.ts';
import { since } from './version.ts';

type P = { Params: { id: string; mid?: string } };

function naive(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/**
 * Nova's old/new_instance_type_id: the flavor's integer database id (flavors.id), not its API id. A
 * flavor deleted since has no id left to give here: null, which Nova's schema allows.
 */
function instanceTypeId(deps: ComputeDeps, flavorId: string): number | null {
  return deps.store.flavors.get(flavorId)?.internalId ?? null;
}

function links(request: FastifyRequest, m: Migration): Array<{ rel: string; href: string }> {
  const base = `${request.protocol}://${request.headers.host ?? 'localhost'}`;
  const path = `servers/${m.instanceUuid}/migrations/${m.id}`;
  return [{ rel: 'self', href: `${base}/v2.1/${path}` }, { rel: 'bookmark', href: `${base}/${path}` }];
}

/** One record of GET /os-migrations: exactly Nova's fields (Tempest's schema allows no others). */
function indexView(deps: ComputeDeps, request: FastifyRequest, m: Migration): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: m.id, status: m.status, instance_uuid: m.instanceUuid,
    source_node: m.sourceNode, dest_node: m.destNode, source_compute: m.sourceCompute, dest_compute: m.destCompute,
    dest_host: m.destHost,
    old_instance_type_id: instanceTypeId(deps, m.oldFlavorId), new_instance_type_id: instanceTypeId(deps, m.newFlavorId),
    created_at: naive(m.createdAt), updated_at: naive(m.updatedAt),
  };
  if (since(request, '2.23')) {
    out['migration_type'] = m.migrationType;
    if (liveMigrationInProgress(m)) out['links'] = links(request, m);
  }
  if (since(request, '2.59')) out['uuid'] = m.uuid;
  if (since(request, '2.80')) {
    out['user_id'] = m.userId;
    out['project_id'] = m.projectId;
    // Nova keeps cross_cell_move on the object (1.7); shown here so an operator sees which moves left their cell.
    out['cross_cell_move'] = m.crossCellMove ?? false;
  }
  return out;
}

/** One record of GET /servers/{id}/migrations. */
function serverView(request: FastifyRequest, m: Migration): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: m.id, server_uuid: m.instanceUuid, status: m.status,
    source_compute: m.sourceCompute, source_node: m.sourceNode, dest_compute: m.destCompute, dest_node: m.destNode, dest_host: m.destHost,
    memory_total_bytes: m.memoryTotalBytes, memory_processed_bytes: m.memoryProcessedBytes, memory_remaining_bytes: m.memoryRemainingBytes,
    disk_total_bytes: m.diskTotalBytes, disk_processed_bytes: m.diskProcessedBytes, disk_remaining_bytes: m.diskRemainingBytes,
    created_at: naive(m.createdAt), updated_at: naive(m.updatedAt),
  };
  if (since(request, '2.59')) out['uuid'] = m.uuid;
  if (since(request, '2.80')) {
    out['user_id'] = m.userId;
    out['project_id'] = m.projectId;
  }
  return out;
}

function timeFilter(request: FastifyRequest, name: string): number | undefined {
  const v = queryValue(request.query, name);
  if (v === undefined) return undefined;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`);
  return t;
}

function filterOf(request: FastifyRequest): MigrationFilter {
  const q = (name: string) => queryValue(request.query, name);
  const f: MigrationFilter = {};
  if (q('instance_uuid') !== undefined) f.instanceUuid = q('instance_uuid');
  if (q('status') !== undefined) f.status = q('status');
  if (q('host') !== undefined) f.host = q('host');
  if (q('source_compute') !== undefined) f.sourceCompute = q('source_compute');
  if (q('migration_type') !== undefined) f.migrationType = q('migration_type');
  if (since(request, '2.59')) f.changesSince = timeFilter(request, 'changes-since');
  if (since(request, '2.66')) {
    f.changesBefore = timeFilter(request, 'changes-before');
    if (f.changesSince !== undefined && f.changesBefore !== undefined && f.changesBefore < f.changesSince) {
      throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
    }
  }
  if (since(request, '2.80')) {
    if (q('user_id') !== undefined) f.userId = q('user_id');
    if (q('project_id') !== undefined) f.projectId = q('project_id');
  }
  for (const k of Object.keys(f) as Array<keyof MigrationFilter>) if (f[k] === undefined) delete f[k];
  return f;
}

async function listAll(deps: ComputeDeps, request: FastifyRequest, filter: MigrationFilter): Promise<Migration[]> {
  const list = await deps.compute.migrations(filter, contextOf(request));
  // Newest first, as Nova sorts (created_at, id descending).
  return list.sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
}

function page(request: FastifyRequest, list: Migration[]): Migration[] {
  if (!since(request, '2.59')) return list;
  const marker = queryValue(request.query, 'marker');
  const limitRaw = queryValue(request.query, 'limit');
  let out = list;
  if (marker !== undefined) {
    const i = list.findIndex((m) => m.uuid === marker);
    if (i < 0) throw new BadRequest(`Marker ${marker} could not be found.`);
    out = list.slice(i + 1);
  }
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) throw new BadRequest(`Invalid input for query parameters limit. Value: ${limitRaw}.`);
    out = out.slice(0, Number(limitRaw));
  }
  return out;
}

/** The server's migration `mid` that is an in-progress live migration, else Nova's 404. */
async function serverMigration(deps: ComputeDeps, request: FastifyRequest, uuid: string, mid: string): Promise<Migration> {
  if (!/^\d+$/.test(mid)) throw new BadRequest(`Invalid migration id ${mid}`);
  const found = (await listAll(deps, request, { instanceUuid: uuid })).find((m) => m.id === Number(mid));
  if (!found || !liveMigrationInProgress(found)) {
    throw new NotFound(`In-progress live migration ${mid} is not found for server ${uuid}.`);
  }
  return found;
}

export function registerMigrationRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-migrations', async (request) => {
    requireAdmin(request, 'os_compute_api:os-migrations:index');
    const list = page(request, await listAll(deps, request, filterOf(request)));
    const body: Record<string, unknown> = { migrations: list.map((m) => indexView(deps, request, m)) };
    const limit = queryValue(request.query, 'limit');
    if (since(request, '2.59') && limit !== undefined && list.length > 0 && list.length === Number(limit)) {
      body['migrations_links'] = [{ rel: 'next', href: `${request.protocol}://${request.headers.host ?? 'localhost'}/v2.1/os-migrations?limit=${limit}&marker=${list[list.length - 1]!.uuid}` }];
    }
    return body;
  });

  app.get<P>('/servers/:id/migrations', async (request) => {
    if (!since(request, '2.23')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:servers:migrations:index');
    const server = await loadServer(deps, request, request.params.id);
    const list = (await listAll(deps, request, { instanceUuid: server.inst.uuid })).filter(liveMigrationInProgress);
    return { migrations: list.map((m) => serverView(request, m)) };
  });

  app.get<P>('/servers/:id/migrations/:mid', async (request) => {
    if (!since(request, '2.23')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:servers:migrations:show');
    const server = await loadServer(deps, request, request.params.id);
    return { migration: serverView(request, await serverMigration(deps, request, server.inst.uuid, request.params.mid!)) };
  });

  app.delete<P>('/servers/:id/migrations/:mid', async (request, reply) => {
    if (!since(request, '2.24')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:servers:migrations:delete');
    const server = await loadServer(deps, request, request.params.id);
    const mid = request.params.mid!;
    if (!/^\d+$/.test(mid)) throw new BadRequest(`Invalid migration id ${mid}`);
    const m = (await listAll(deps, request, { instanceUuid: server.inst.uuid })).find((x) => x.id === Number(mid));
    if (!m || !migrationInProgress(m)) throw new NotFound(`Migration ${mid} for server ${server.inst.uuid} could not be found.`);
    await deps.compute.instanceTask(server.inst.uuid, { kind: 'abort_migration', migrationId: m.id }, contextOf(request));
    return reply.code(202).send();
  });

  app.post<P>('/servers/:id/migrations/:mid/action', async (request, reply) => {
    if (!since(request, '2.22')) throw new NotFound('The resource could not be found.');
    const body = asObject(request.body);
    if (!Object.hasOwn(body, 'force_complete') || Object.keys(body).length !== 1) {
      throw new BadRequest(`Invalid input for field/attribute force_complete.`);
    }
    requireAdmin(request, 'os_compute_api:servers:migrations:force_complete');
    const server = await loadServer(deps, request, request.params.id);
    checkNotLocked(request, server);
    const mid = request.params.mid!;
    if (!/^\d+$/.test(mid)) throw new BadRequest(`Invalid migration id ${mid}`);
    await deps.compute.instanceTask(server.inst.uuid, { kind: 'force_complete', migrationId: Number(mid) }, contextOf(request));
    return reply.code(202).send();
  });
}

