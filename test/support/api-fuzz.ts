/**
 * A seeded generator of hostile OpenStack API requests (compute, identity, image) for the API fuzz
 * suite and its long mode (bench/fuzz-api.ts): real routes with wrong ids, garbage path segments,
 * query strings full of prototype names, regex bombs, unicode oddities and huge values, and bodies
 * that are valid ones mutated, random JSON, or not JSON at all. Deterministic per seed.
 */
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { ApiFixture } from './api-fixture.ts';

export interface FuzzRequest {
  method: string;
  url: string;
  as: 'admin' | 'demo' | 'alt' | null;
  raw?: string;
  headers: Record<string, string>;
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'];
const NASTY = [
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '%00', '..', '%2e%2e',
  "'; DROP TABLE instances; --", '^(a+)+$', '(a|a)*b', '.*.*.*.*.*=', '[', '\\', '%ED%A0%80', '%E2%80%AE', '%F0%9F%98%80',
  'None', 'null', 'true', '-1', '0', '1e309', '99999999999999999999', 'a'.repeat(300), '%20', '', '*', '%', '&', '=',
];
const QUERY_KEYS = [
  'name', 'ip', 'status', 'sort_key', 'sort_dir', 'limit', 'marker', 'all_tenants', 'changes-since', 'changes-before',
  'flavor', 'image', 'tags', 'not-tags', 'locked', 'metadata', 'minRam', 'minDisk', 'is_public', 'visibility', 'sort',
  'member_status', 'size_min', 'tag', 'project_id', 'host', 'hypervisor_hostname_pattern', 'hasOwnProperty', '__proto__',
];
const BODY_KEYS = [
  'server', 'flavor', 'keypair', 'server_group', 'aggregate', 'quota_set', 'reboot', 'os-stop', 'os-start', 'pause',
  'metadata', 'meta', 'tags', 'name', 'auth', 'identity', 'imageRef', 'flavorRef', 'min_count', 'max_count',
  'os:scheduler_hints', 'target_cell', 'networks', 'user_data', 'personality', 'extra_specs', 'add_host', 'type',
];

export function fuzzPaths(fx: ApiFixture, servers: string[]): string[] {
  const image = fx.plan.images[0]!.id;
  const s = servers[0] ?? '00000000-0000-0000-0000-000000000000';
  return [
    '/compute/v2.1/servers', '/compute/v2.1/servers/detail', `/compute/v2.1/servers/${s}`, `/compute/v2.1/servers/${s}/action`,
    `/compute/v2.1/servers/${s}/metadata`, `/compute/v2.1/servers/${s}/metadata/{k}`, `/compute/v2.1/servers/${s}/tags`,
    `/compute/v2.1/servers/${s}/tags/{k}`, `/compute/v2.1/servers/${s}/os-instance-actions`, `/compute/v2.1/servers/${s}/ips`,
    '/compute/v2.1/flavors', '/compute/v2.1/flavors/detail', '/compute/v2.1/flavors/{k}', '/compute/v2.1/flavors/1/os-extra_specs',
    '/compute/v2.1/flavors/1/os-extra_specs/{k}', '/compute/v2.1/flavors/1/action', '/compute/v2.1/os-keypairs',
    '/compute/v2.1/os-keypairs/{k}', '/compute/v2.1/os-server-groups', '/compute/v2.1/os-aggregates', '/compute/v2.1/os-aggregates/{k}/action',
    `/compute/v2.1/os-quota-sets/${fx.project.demo}`, '/compute/v2.1/os-quota-sets/{k}/detail', '/compute/v2.1/os-hypervisors/detail',
    '/compute/v2.1/os-services', '/compute/v2.1/os-availability-zone/detail', '/compute/v2.1/limits', '/compute/v2.1/images',
    `/compute/v2.1/images/${image}/metadata/{k}`, '/compute/v2.1/os-simple-tenant-usage', '/compute/v2.1/{k}', '/compute/{k}',
    '/image/v2/images', `/image/v2/images/${image}`, '/image/v2/images/{k}', `/image/v2/images/${image}/tags/{k}`, '/image/v2/schemas/image',
    '/identity/v3/auth/tokens', '/identity/v3/projects', '/identity/v3/users/{k}', '/identity/v3/auth/projects', '/identity/v3/{k}', '/{k}',
  ];
}

function jsonValue(r: RandomStream, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0: return r.pick(NASTY);
    case 1: return r.int(3) === 0 ? -r.int(1e9) : r.int(1e12);
    case 2: return r.int(2) === 0;
    case 3: return null;
    case 4: return `x\ud800${r.int(10)}`;
    case 5: return Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.int(4) === 0 ? r.pick(NASTY) : r.pick(BODY_KEYS)] = jsonValue(r, depth + 1);
      return o;
    }
  }
}

function validBody(fx: ApiFixture, r: RandomStream): Record<string, unknown> {
  const image = fx.plan.images[0]!.id;
  return r.pick([
    { server: { name: 'fz', imageRef: image, flavorRef: '1' } },
    { server: { name: 'fz', imageRef: image, flavorRef: '1', metadata: { a: 'b' }, min_count: 2 }, 'os:scheduler_hints': { group: 'x' } },
    { reboot: { type: 'HARD' } }, { 'os-stop': null }, { 'os-start': null }, { pause: null },
    { metadata: { k: 'v' } }, { meta: { k: 'v' } }, { tags: ['a', 'b'] },
    { flavor: { name: 'fz', ram: 64, vcpus: 1, disk: 1 } }, { keypair: { name: 'fz' } },
    { server_group: { name: 'fz', policies: ['anti-affinity'] } }, { aggregate: { name: 'fz', availability_zone: 'z' } },
    { quota_set: { instances: 5 } }, { name: 'fz-image', disk_format: 'qcow2', container_format: 'bare' },
    { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'x' } } } } },
  ]);
}

/** Replace, delete or add one field somewhere in `v`. */
function mutate(r: RandomStream, v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 4) return jsonValue(r, depth);
  const o: Record<string, unknown> = Array.isArray(v) ? { ...v } : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  const k = keys.length > 0 && r.int(4) !== 0 ? r.pick(keys) : r.pick(BODY_KEYS);
  switch (r.int(3)) {
    case 0: delete o[k]; break;
    case 1: o[k] = mutate(r, o[k], depth + 1); break;
    default: o[k] = jsonValue(r, depth + 1);
  }
  return Array.isArray(v) ? Object.values(o) : o;
}

export function fuzzRequest(fx: ApiFixture, r: RandomStream, paths: string[]): FuzzRequest {
  const method = r.pick(METHODS);
  let url = r.pick(paths).replace('{k}', () => encodeURIComponent(r.int(3) === 0 ? r.pick(NASTY) : `k${r.int(5)}`).replace(/%25/g, '%'));
  const q: string[] = [];
  for (let i = r.int(4); i > 0; i--) q.push(`${r.pick(QUERY_KEYS)}=${r.pick(NASTY)}`);
  if (q.length > 0) url += `?${q.join('&')}`;
  const headers: Record<string, string> = {};
  if (r.int(5) === 0) headers['openstack-api-version'] = `compute ${r.pick(['2.1', '2.96', '2.97', '3.0', 'latest', 'x', '2.'])}`;
  if (r.int(10) === 0) headers['content-type'] = r.pick(['text/xml', 'application/json; charset=latin1', 'multipart/form-data', '']);
  let raw: string | undefined;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
    const kind = r.int(6);
    if (kind === 0) raw = r.pick(['{', '[]', '"x"', 'null', '{"a":', `${'['.repeat(2000)}`, '\u0000', '{"__proto__": {"isAdmin": true}}']);
    else if (kind === 1) raw = JSON.stringify(jsonValue(r));
    else raw = JSON.stringify(mutate(r, validBody(fx, r)));
    if (r.int(15) === 0) raw = JSON.stringify(validBody(fx, r));
    headers['content-type'] ??= 'application/json';
  }
  const as = r.pick(['admin', 'demo', 'demo', 'alt', null] as const);
  return { method, url, as, headers, ...(raw !== undefined ? { raw } : {}) };
}

export interface FuzzResult {
  requests: number;
  byStatus: Map<number, number>;
  serverErrors: Array<{ req: FuzzRequest; status: number; body: string }>;
}

/** Send `n` generated requests through `fx`; 5xx answers are collected, not thrown. */
export async function runApiFuzz(fx: ApiFixture, r: RandomStream, n: number, servers: string[]): Promise<FuzzResult> {
  const paths = fuzzPaths(fx, servers);
  const out: FuzzResult = { requests: 0, byStatus: new Map(), serverErrors: [] };
  for (let i = 0; i < n; i++) {
    const req = fuzzRequest(fx, r, paths);
    const res = await fx.call(req.method, req.url, { as: req.as, headers: req.headers, ...(req.raw !== undefined ? { raw: req.raw } : {}) });
    out.requests++;
    out.byStatus.set(res.statusCode, (out.byStatus.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) out.serverErrors.push({ req, status: res.statusCode, body: res.body.slice(0, 300) });
  }
  return out;
}
