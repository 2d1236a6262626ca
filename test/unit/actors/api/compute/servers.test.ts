/**
 * Servers through the REST API: create (with Nova's validation and quotas), list with filters and
 * paging, show with exactly the fields of the requested microversion, update, delete, and the
 * isolation between projects (another project's server is 404).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
beforeEach(async () => { fx = await apiFixture(); });
afterEach(async () => { await fx.close(); });

const IMAGE = () => fx.plan.images[0]!.id;

async function boot(name: string, extra: Record<string, unknown> = {}, as: 'demo' | 'alt' | 'admin' = 'demo', version?: string) {
  const res = await fx.call('POST', '/compute/v2.1/servers', { as, version, body: { server: { name, imageRef: IMAGE(), flavorRef: '1', ...extra } } });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { server: { id: string } }).server.id;
}

describe('POST /servers', () => {
  it('answers 202 with id, links, adminPass and a Location, and the server is listed', async () => {
    const res = await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'vm', imageRef: IMAGE(), flavorRef: '1' } } });
    expect(res.statusCode).toBe(202);
    const { server } = res.json() as { server: Record<string, unknown> };
    expect(Object.keys(server).sort()).toEqual(['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    expect(res.headers['location']).toBe(`http://localhost:80/compute/v2.1/servers/${server['id']}`);
    const list = (await fx.call('GET', '/compute/v2.1/servers')).json() as { servers: Array<{ id: string; name: string }> };
    expect(list.servers).toEqual([expect.objectContaining({ id: server['id'], name: 'vm' })]);
  });

  it.each([
    ['no name', { imageRef: 'x', flavorRef: '1' }],
    ['an empty name', { name: '', flavorRef: '1' }],
    ['a name with surrounding spaces', { name: ' vm ', flavorRef: '1' }],
    ['a 256-character name', { name: 'x'.repeat(256), flavorRef: '1' }],
    ['an unknown field', { name: 'vm', flavorRef: '1', bogus: 1 }],
    ['min_count 0', { name: 'vm', flavorRef: '1', min_count: 0 }],
    ['max_count below min_count', { name: 'vm', flavorRef: '1', min_count: 3, max_count: 2 }],
    ['a non-integer count', { name: 'vm', flavorRef: '1', max_count: 'many' }],
    ['an unknown flavor', { name: 'vm', flavorRef: 'nope' }],
    ['an unknown image', { name: 'vm', flavorRef: '1', imageRef: '00000000-0000-4000-8000-000000000000' }],
    ['an unknown keypair', { name: 'vm', flavorRef: '1', key_name: 'nope' }],
    ['an unknown zone', { name: 'vm', flavorRef: '1', availability_zone: 'mars' }],
    ['a bad IPv4', { name: 'vm', flavorRef: '1', accessIPv4: '1.2.3' }],
    ['a network that does not exist', { name: 'vm', flavorRef: '1', networks: [{ uuid: '00000000-0000-4000-8000-000000000000' }] }],
    ['a metadata key too long', { name: 'vm', flavorRef: '1', metadata: { ['k'.repeat(256)]: 'v' } }],
  ])('refuses %s with 400', async (_what, server) => {
    const body = { server: { imageRef: IMAGE(), ...server } };
    const res = await fx.call('POST', '/compute/v2.1/servers', { body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toHaveProperty('badRequest.code', 400);
  });

  it('requires networks from 2.37 and accepts "none" and "auto"', async () => {
    const body = (extra: object) => ({ server: { name: 'vm', imageRef: IMAGE(), flavorRef: '1', ...extra } });
    expect((await fx.call('POST', '/compute/v2.1/servers', { version: '2.37', body: body({}) })).statusCode).toBe(400);
    expect((await fx.call('POST', '/compute/v2.1/servers', { version: '2.37', body: body({ networks: 'none' }) })).statusCode).toBe(202);
    expect((await fx.call('POST', '/compute/v2.1/servers', { version: '2.92', body: body({ networks: 'auto' }) })).statusCode).toBe(202);
  });

  it('creates min..max servers within quota and refuses past it with 403', async () => {
    const res = await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'many', imageRef: IMAGE(), flavorRef: '1', min_count: 2, max_count: 3, return_reservation_id: true } } });
    expect(res.statusCode).toBe(202);
    expect((res.json() as { reservation_id: string }).reservation_id).toMatch(/^r-/);
    const names = ((await fx.call('GET', '/compute/v2.1/servers')).json() as { servers: Array<{ name: string }> }).servers.map((s) => s.name).sort();
    expect(names).toEqual(['many-1', 'many-2', 'many-3']);
    // instances quota is 10: 3 used, 8 more do not fit
    const over = await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'x', imageRef: IMAGE(), flavorRef: '1', min_count: 8 } } });
    expect(over.statusCode).toBe(403);
    expect((over.json() as { forbidden: { message: string } }).forbidden.message).toMatch(/^Quota exceeded for instances/);
  });

  it('refuses more metadata items than the quota allows with 403', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
    const res = await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'vm', imageRef: IMAGE(), flavorRef: '1', metadata } } });
    expect(res.statusCode).toBe(403);
  });
});

describe('GET /servers/{id}', () => {
  it('shows a 2.1 server with only 2.1 fields', async () => {
    const id = await boot('vm');
    const { server } = (await fx.call('GET', `/compute/v2.1/servers/${id}`)).json() as { server: Record<string, unknown> };
    expect(server).toMatchObject({ id, name: 'vm', status: 'ACTIVE', tenant_id: fx.project.demo, 'OS-EXT-STS:vm_state': 'active' });
    expect(server['flavor']).toEqual({ id: '1', links: [{ rel: 'bookmark', href: 'http://localhost:80/compute/flavors/1' }] });
    for (const later of ['locked', 'description', 'tags', 'host_status', 'server_groups', 'OS-EXT-SRV-ATTR:host']) expect(server).not.toHaveProperty(later);
  });

  it('adds fields with the microversion and shows admins the host', async () => {
    const id = await boot('vm', { tags: ['a'], networks: 'none' }, 'demo', '2.52');
    const { server } = (await fx.call('GET', `/compute/v2.1/servers/${id}`, { version: '2.96' })).json() as { server: Record<string, unknown> };
    expect(server).toMatchObject({ locked: false, description: null, tags: ['a'], server_groups: [], locked_reason: null, pinned_availability_zone: null });
    expect(server['flavor']).toMatchObject({ original_name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 });
    expect(server).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    const admin = (await fx.call('GET', `/compute/v2.1/servers/${id}`, { as: 'admin', version: '2.96' })).json() as { server: Record<string, unknown> };
    expect(admin.server).toMatchObject({ 'OS-EXT-SRV-ATTR:host': 'host-a', host_status: 'UP' });
  });

  it('is 404 for a name (so the CLI falls back to ?name=), a bad id, and another project\'s server', async () => {
    const id = await boot('vm');
    expect((await fx.call('GET', '/compute/v2.1/servers/vm')).statusCode).toBe(404);
    expect((await fx.call('GET', '/compute/v2.1/servers/-1')).statusCode).toBe(404);
    const other = await fx.call('GET', `/compute/v2.1/servers/${id}`, { as: 'alt' });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
    for (const [method, url, body] of [
      ['DELETE', `/compute/v2.1/servers/${id}`, undefined],
      ['PUT', `/compute/v2.1/servers/${id}`, { server: { name: 'mine' } }],
      ['POST', `/compute/v2.1/servers/${id}/action`, { 'os-stop': null }],
      ['GET', `/compute/v2.1/servers/${id}/metadata`, undefined],
      ['GET', `/compute/v2.1/servers/${id}/os-instance-actions`, undefined],
    ] as const) {
      expect((await fx.call(method, url, { as: 'alt', body })).statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await fx.call('GET', `/compute/v2.1/servers/${id}`, { as: 'admin' })).statusCode).toBe(200);
  });
});

describe('GET /servers filters', () => {
  it('filters by name regex, status, flavor; the literal None is no filter; all_tenants is for admins', async () => {
    await boot('web-1');
    await boot('db-1');
    await boot('alt-1', {}, 'alt');
    const names = async (q: string, as: 'demo' | 'admin' = 'demo') =>
      ((await fx.call('GET', `/compute/v2.1/servers${q}`, { as })).json() as { servers: Array<{ name: string }> }).servers.map((s) => s.name).sort();
    expect(await names('?name=^web')).toEqual(['web-1']);
    expect(await names('?status=ACTIVE')).toEqual(['db-1', 'web-1']);
    expect(await names('?status=SHUTOFF')).toEqual([]);
    expect(await names('?flavor=2')).toEqual([]);
    expect(await names('?name=None')).toEqual(['db-1', 'web-1']);
    expect(await names('?all_tenants=1', 'admin')).toEqual(['alt-1', 'db-1', 'web-1']);
    expect((await fx.call('GET', '/compute/v2.1/servers?all_tenants=1')).statusCode).toBe(403);
    expect((await fx.call('GET', '/compute/v2.1/servers?changes-since=yesterday')).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/servers?status=bogus', { version: '2.38' })).statusCode).toBe(400);
  });

  it('pages with limit and marker and links the next page', async () => {
    for (const n of ['a', 'b', 'c']) await boot(n);
    const first = (await fx.call('GET', '/compute/v2.1/servers?limit=2')).json() as { servers: Array<{ id: string }>; servers_links: Array<{ href: string }> };
    expect(first.servers).toHaveLength(2);
    const next = new URL(first.servers_links[0]!.href);
    const second = (await fx.call('GET', `${next.pathname}${next.search}`)).json() as { servers: unknown[] };
    expect(second.servers).toHaveLength(1);
    expect((await fx.call('GET', '/compute/v2.1/servers?limit=-1')).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/servers?limit=abc')).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/servers?marker=nope')).statusCode).toBe(400);
  });
});

describe('PUT and DELETE /servers/{id}', () => {
  it('renames, sets access IPs (IPv6 canonical, as Nova stores it) and deletes', async () => {
    const id = await boot('vm');
    const res = await fx.call('PUT', `/compute/v2.1/servers/${id}`, { body: { server: { name: 'renamed', accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2' } } });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { server: Record<string, unknown> }).server).toMatchObject({ name: 'renamed', accessIPv6: '::babe:dc0c:1602' });
    expect((await fx.call('PUT', `/compute/v2.1/servers/${id}`, { body: { server: { name: '' } } })).statusCode).toBe(400);
    expect((await fx.call('PUT', `/compute/v2.1/servers/${id}`, { body: { server: { color: 'red' } } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', `/compute/v2.1/servers/${id}`)).statusCode).toBe(204);
    expect((await fx.call('GET', `/compute/v2.1/servers/${id}`)).statusCode).toBe(404);
    const actions = (await fx.call('GET', `/compute/v2.1/servers/${id}/os-instance-actions`, { version: '2.21' })).json() as { instanceActions: Array<{ action: string }> };
    expect(actions.instanceActions.map((a) => a.action)).toEqual(['delete', 'create']);
  });
});
