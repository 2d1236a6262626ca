/**
 * GET /servers and /servers/detail filtering, as Nova's ServersController._get_servers does it:
 * non-admins may only use the documented filters (others are ignored), `status` maps to vm/task
 * states, `name` and `ip` are regular expressions (run on RE2: regex-filter.ts), a bad `changes-since` or `limit` is 400, and the list is
 * newest first (created_at desc) before paging.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequest } from '../../../runtime/errors/index.ts';
import { ownValue, queryRaw, queryValue, queryValues } from '../../../runtime/http/index.ts';
import { callerOf, policyDenied } from './context.ts';
import { regexFilter } from './regex-filter.ts';
import { parseBoolString } from './validation.ts';
import { since } from './version.ts';
import { matchesStates, statesFromStatuses } from './views/status.ts';
import { fakeAddress, hasAddress } from './views/addresses.ts';
import { serverMetadata, serverName, serverTags, type ServerModel } from './views/servers.ts';

const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];

/** Filters a non-admin may use at this microversion (Nova's _get_server_search_options). */
function allowedFilters(request: FastifyRequest): Set<string> {
  const opts = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants'];
  if (since(request, '2.5')) opts.push('ip6');
  if (since(request, '2.26')) opts.push(...TAG_FILTERS);
  if (since(request, '2.66')) opts.push('changes-before');
  if (since(request, '2.73')) opts.push('locked');
  if (since(request, '2.83')) {
    opts.push('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at', 'terminated_at', 'power_state',
      'task_state', 'vm_state', 'progress', 'user_id');
  }
  if (since(request, '2.90')) opts.push('hostname');
  return new Set(opts);
}

function parseTime(name: string, v: string): number {
  // ISO 8601 as oslo's parse_isotime takes it: a date, optionally a time and a zone.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) {
    throw new BadRequest(`Invalid filter field: ${name}.`);
  }
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) || !v.includes('T') ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new BadRequest(`Invalid filter field: ${name}.`);
  return t;
}

export interface ServerQuery {
  allTenants: boolean;
  /** Empty when the status filter matched nothing (Nova answers an empty list before 2.38). */
  empty: boolean;
  filter: (m: ServerModel) => boolean;
}

export function parseServerQuery(request: FastifyRequest): ServerQuery {
  const caller = callerOf(request);
  const q = (request.query ?? {}) as Record<string, unknown>;
  const allowed = allowedFilters(request);
  const has = (k: string) => q[k] !== undefined && (caller.isAdmin || allowed.has(k));
  const val = (k: string) => (has(k) ? queryValue(q, k) : undefined);
  const preds: Array<(m: ServerModel) => boolean> = [];

  const allTenantsRaw = has('all_tenants') ? String(queryValues(q, 'all_tenants').at(-1) ?? '') : undefined;
  const allTenants = allTenantsRaw !== undefined && (allTenantsRaw === '' || parseBoolString(allTenantsRaw) !== false);
  if (allTenants && !caller.isAdmin) throw policyDenied('os_compute_api:servers:index:get_all_tenants');

  let empty = false;
  if (q['status'] !== undefined) {
    const statuses = queryValues(q, 'status');
    const pairs = statesFromStatuses(statuses);
    if (pairs.length === 0) {
      if (since(request, '2.38')) throw new BadRequest('Invalid status value');
      empty = true;
    }
    preds.push((m) => matchesStates(m.inst.vmState, m.inst.taskState, pairs));
  }
  const name = val('name');
  if (name !== undefined) {
    const matches = regexFilter('name', name);
    preds.push((m) => matches(serverName(m)));
  }
  const image = val('image');
  if (image !== undefined) {
    const id = image.split('/').pop()!;
    preds.push((m) => m.inst.imageRef.split('/').pop() === id);
  }
  const flavor = val('flavor');
  if (flavor !== undefined) {
    const id = flavor.split('/').pop()!;
    preds.push((m) => m.inst.flavor.id === id);
  }
  const reservation = val('reservation_id');
  if (reservation !== undefined) preds.push((m) => m.inst.reservationId === reservation);
  const changesSince = val('changes-since');
  const sinceMs = changesSince !== undefined ? parseTime('changes-since', changesSince) : undefined;
  if (sinceMs !== undefined) preds.push((m) => (m.inst.updatedAt ?? m.inst.createdAt) >= sinceMs);
  const changesBefore = val('changes-before');
  if (changesBefore !== undefined) {
    const before = parseTime('changes-before', changesBefore);
    if (sinceMs !== undefined && before < sinceMs) {
      throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
    }
    preds.push((m) => (m.inst.updatedAt ?? m.inst.createdAt) <= before);
  }
  // Nova matches `ip` as a regular expression against the fixed addresses; there are no IPv6 ones.
  const ip = val('ip');
  if (ip !== undefined) {
    const matches = regexFilter('ip', ip);
    preds.push((m) => hasAddress(m) && matches(fakeAddress(m.inst.uuid).addr));
  }
  if (val('ip6') !== undefined) preds.push(() => false);
  if (since(request, '2.26')) {
    const tagList = (k: string) => (val(k) ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    if (has('tags')) { const t = tagList('tags'); preds.push((m) => t.every((x) => serverTags(m).includes(x))); }
    if (has('tags-any')) { const t = tagList('tags-any'); preds.push((m) => t.some((x) => serverTags(m).includes(x))); }
    if (has('not-tags')) { const t = tagList('not-tags'); preds.push((m) => !t.every((x) => serverTags(m).includes(x))); }
    if (has('not-tags-any')) { const t = tagList('not-tags-any'); preds.push((m) => !t.some((x) => serverTags(m).includes(x))); }
  }
  const locked = val('locked');
  if (locked !== undefined) {
    const want = parseBoolString(locked);
    if (want === undefined) throw new BadRequest(`Unrecognized value '${locked}', acceptable values are 'true' and 'false'`);
    preds.push((m) => Boolean(m.attrs.locked) === want);
  }
  const exact: Array<[string, (m: ServerModel) => unknown]> = [
    ['availability_zone', (m) => m.inst.availabilityZone],
    ['key_name', (m) => m.attrs.keyName ?? m.inst.keyName],
    ['user_id', (m) => m.inst.userId],
    ['vm_state', (m) => m.inst.vmState],
    ['task_state', (m) => m.inst.taskState],
    ['power_state', (m) => String(m.inst.powerState)],
    ['hostname', (m) => m.attrs.hostname ?? m.inst.hostname],
    ['host', (m) => m.inst.host],
    ['node', (m) => m.inst.node],
    ['uuid', (m) => m.inst.uuid],
  ];
  for (const [k, get] of exact) {
    const v = val(k);
    if (v !== undefined) preds.push((m) => String(get(m) ?? '') === v);
  }
  if (allTenants) {
    // Taken literally: Tempest's admin without a project sends tenant_id=None and expects no match.
    const project = queryRaw(q, 'project_id') ?? queryRaw(q, 'tenant_id');
    if (project !== undefined) preds.push((m) => m.inst.projectId === project);
  }
  const metadataFilter = caller.isAdmin ? val('metadata') : undefined;
  if (metadataFilter !== undefined) {
    let want: unknown;
    try {
      want = JSON.parse(metadataFilter);
    } catch {
      throw new BadRequest('Invalid filter field: metadata.');
    }
    if (want === null || typeof want !== 'object' || Array.isArray(want)) throw new BadRequest('Invalid filter field: metadata.');
    const pairs = Object.entries(want as Record<string, unknown>);
    preds.push((m) => pairs.every(([k, v]) => ownValue(serverMetadata(m), k) === v));
  }
  for (const key of queryValues(q, 'sort_key')) {
    if (!SERVER_SORT_KEYS.has(key)) throw new BadRequest(`Invalid input for query parameters sort_key. Value: ${key}.`);
  }
  for (const dir of queryValues(q, 'sort_dir')) {
    if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid input for query parameters sort_dir. Value: ${dir}.`);
  }
  return { allTenants, empty, filter: (m) => preds.every((p) => p(m)) };
}

/** Nova's servers index schema: VALID_SORT_KEYS plus the keys it accepts and ignores. */
const SERVER_SORT_KEYS = new Set([
  'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at',
  'display_description', 'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id',
  'key_name', 'launch_index', 'launched_at', 'locked', 'locked_by', 'node', 'power_state', 'progress',
  'project_id', 'ramdisk_id', 'root_device_name', 'task_state', 'terminated_at', 'updated_at', 'user_id',
  'uuid', 'vm_state', 'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device',
  'default_swap_device', 'deleted', 'deleted_at', 'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid',
  'id', 'key_data', 'launched_on', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
  'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode',
]);

/** created_at desc, then uuid desc: Nova's default sort. */
export function sortServers(list: ServerModel[]): ServerModel[] {
  return [...list].sort((a, b) => b.inst.createdAt - a.inst.createdAt || (a.inst.uuid < b.inst.uuid ? 1 : -1));
}
