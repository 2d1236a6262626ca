/**
 * Admin-only APIs (hypervisors, services, aggregates, zone detail) refuse non-admins with 403, and
 * answer admins with Nova's shapes; aggregate changes reach the cells.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
beforeEach(async () => { fx = await apiFixture(); });
afterEach(async () => { await fx.close(); });

describe('admin-only APIs', () => {
  it.each([
    ['GET', '/compute/v2.1/os-hypervisors'],
    ['GET', '/compute/v2.1/os-hypervisors/detail'],
    ['GET', '/compute/v2.1/os-hypervisors/statistics'],
    ['GET', '/compute/v2.1/os-services'],
    ['GET', '/compute/v2.1/os-aggregates'],
    ['POST', '/compute/v2.1/os-aggregates'],
    ['GET', '/compute/v2.1/os-availability-zone/detail'],
    ['GET', '/compute/v2.1/os-simple-tenant-usage'],
    ['GET', '/compute/v2.1/os-migrations'],
  ])('%s %s is 403 for a member', async (method, url) => {
    const res = await fx.call(method, url, { body: method === 'POST' ? { aggregate: { name: 'x' } } : undefined });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toHaveProperty('forbidden.message', expect.stringMatching(/^Policy doesn't allow/));
  });
});

describe('hypervisors and services', () => {
  it('use integer ids before 2.53 and uuids after; the CLI\'s None filters are ignored', async () => {
    const old = (await fx.call('GET', '/compute/v2.1/os-hypervisors/detail', { as: 'admin' })).json() as { hypervisors: Array<Record<string, unknown>> };
    expect(old.hypervisors).toHaveLength(2);
    expect(typeof old.hypervisors[0]!['id']).toBe('number');
    expect(old.hypervisors[0]).toMatchObject({ hypervisor_type: 'fake', state: 'up', status: 'enabled', vcpus: 16 });
    const id = old.hypervisors[0]!['id'];
    expect((await fx.call('GET', `/compute/v2.1/os-hypervisors/${id}`, { as: 'admin' })).statusCode).toBe(200);
    expect((await fx.call('GET', '/compute/v2.1/os-hypervisors/999', { as: 'admin' })).statusCode).toBe(404);
    const v253 = (await fx.call('GET', '/compute/v2.1/os-hypervisors', { as: 'admin', version: '2.53' })).json() as { hypervisors: Array<{ id: string }> };
    expect(v253.hypervisors[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fx.call('GET', '/compute/v2.1/os-hypervisors/not-a-uuid', { as: 'admin', version: '2.53' })).statusCode).toBe(400);
    const services = (await fx.call('GET', '/compute/v2.1/os-services?binary=None&host=None', { as: 'admin', version: '2.69' })).json() as { services: Array<Record<string, unknown>> };
    expect(services.services).toHaveLength(3);
    expect(services.services[0]).toMatchObject({ binary: 'nova-compute', zone: 'nova', state: 'up', forced_down: false });
    const conductor = services.services.find((s) => s['binary'] === 'nova-conductor')!;
    expect(conductor['zone']).toBe('internal');
  });

  it('disable and enable a compute service by uuid from 2.53; unknown ids are 404', async () => {
    const uuid = '00000000-0000-4000-8000-000000000001';
    const off = await fx.call('PUT', `/compute/v2.1/os-services/${uuid}`, { as: 'admin', version: '2.53', body: { status: 'disabled', disabled_reason: 'maintenance' } });
    expect((off.json() as { service: Record<string, unknown> }).service).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
    expect((await fx.call('PUT', '/compute/v2.1/os-services/00000000-0000-4000-8000-00000000dead', { as: 'admin', version: '2.53', body: { status: 'enabled' } })).statusCode).toBe(404);
    expect((await fx.call('PUT', '/compute/v2.1/os-services/enable', { as: 'admin', body: { host: 'host-a', binary: 'nova-compute' } })).statusCode).toBe(200);
  });
});

describe('aggregates and zones', () => {
  it('create with a zone, add a host, set metadata; the cells get every change', async () => {
    const res = await fx.call('POST', '/compute/v2.1/os-aggregates', { as: 'admin', version: '2.81', body: { aggregate: { name: 'agg', availability_zone: 'az1' } } });
    expect(res.statusCode).toBe(200);
    const agg = (res.json() as { aggregate: Record<string, unknown> }).aggregate;
    expect(agg).not.toHaveProperty('hosts');
    expect(agg).toMatchObject({ name: 'agg', availability_zone: 'az1', uuid: expect.any(String) });
    const url = `/compute/v2.1/os-aggregates/${agg['id']}/action`;
    expect((await fx.call('POST', url, { as: 'admin', body: { add_host: { host: 'host-a' } } })).statusCode).toBe(200);
    expect((await fx.call('POST', url, { as: 'admin', body: { add_host: { host: 'host-a' } } })).statusCode).toBe(409);
    expect((await fx.call('POST', url, { as: 'admin', body: { add_host: { host: 'nowhere' } } })).statusCode).toBe(404);
    await fx.call('POST', url, { as: 'admin', body: { set_metadata: { metadata: { ssd: 'true' } } } });
    expect(fx.cells.aggregates.find((a) => a.name === 'agg')).toMatchObject({ availabilityZone: 'az1', hosts: ['host-a'], metadata: { ssd: 'true' } });
    expect((await fx.call('DELETE', `/compute/v2.1/os-aggregates/${agg['id']}`, { as: 'admin' })).statusCode).toBe(400);
    const zones = (await fx.call('GET', '/compute/v2.1/os-availability-zone')).json() as { availabilityZoneInfo: Array<{ zoneName: string }> };
    expect(zones.availabilityZoneInfo.map((z) => z.zoneName).sort()).toEqual(['az1', 'nova']);
    expect((await fx.call('POST', '/compute/v2.1/os-aggregates', { as: 'admin', body: { aggregate: { name: 'agg' } } })).statusCode).toBe(409);
    expect((await fx.call('GET', '/compute/v2.1/os-aggregates/abc', { as: 'admin' })).statusCode).toBe(400);
  });
});

describe('os-hosts (≤ 2.42), external events, usage', () => {
  it('lists hosts by zone, shows resources, refuses power actions; 404 from 2.43', async () => {
    const hosts = (await fx.call('GET', '/compute/v2.1/os-hosts', { as: 'admin' })).json() as { hosts: Array<Record<string, string>> };
    expect(hosts.hosts).toEqual(expect.arrayContaining([{ host_name: 'host-a', service: 'compute', zone: 'nova' }, { host_name: 'cell1', service: 'conductor', zone: 'internal' }]));
    expect(((await fx.call('GET', '/compute/v2.1/os-hosts?zone=xxx', { as: 'admin' })).json() as { hosts: unknown[] }).hosts).toEqual([]);
    const detail = (await fx.call('GET', '/compute/v2.1/os-hosts/host-a', { as: 'admin' })).json() as { host: Array<{ resource: Record<string, unknown> }> };
    expect(detail.host[0]!.resource).toMatchObject({ host: 'host-a', project: '(total)', cpu: 16 });
    expect((await fx.call('GET', '/compute/v2.1/os-hosts/nope', { as: 'admin' })).statusCode).toBe(404);
    expect((await fx.call('GET', '/compute/v2.1/os-hosts')).statusCode).toBe(403);
    expect((await fx.call('PUT', '/compute/v2.1/os-hosts/host-a', { as: 'admin', body: {} })).statusCode).toBe(400);
    expect((await fx.call('PUT', '/compute/v2.1/os-hosts/host-a', { as: 'admin', body: { status: 'invalid' } })).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/os-hosts/host-a/reboot', { as: 'admin' })).statusCode).toBe(501);
    expect((await fx.call('GET', '/compute/v2.1/os-hosts', { as: 'admin', version: '2.43' })).statusCode).toBe(404);
  });

  it('answers external events per server', async () => {
    const id = await fx.createServer();
    const res = await fx.call('POST', '/compute/v2.1/os-server-external-events', { as: 'admin', body: { events: [{ name: 'network-changed', server_uuid: id }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ events: [{ name: 'network-changed', server_uuid: id, status: 'completed', code: 200 }] });
    const missing = await fx.call('POST', '/compute/v2.1/os-server-external-events', { as: 'admin', body: { events: [{ name: 'network-changed', server_uuid: 'nope' }] } });
    expect(missing.statusCode).toBe(404);
    expect((await fx.call('POST', '/compute/v2.1/os-server-external-events', { body: { events: [] } })).statusCode).toBe(403);
  });

  it('simple tenant usage lists projects with servers; an empty project id is 404', async () => {
    await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'vm', imageRef: fx.plan.images[0]!.id, flavorRef: '1' } } });
    await fx.clock.advance(1_800_000);
    const usage = (await fx.call('GET', '/compute/v2.1/os-simple-tenant-usage?detailed=1', { as: 'admin' })).json() as { tenant_usages: Array<Record<string, unknown>> };
    expect(usage.tenant_usages).toEqual([expect.objectContaining({ tenant_id: fx.project.demo, total_hours: 0.5, total_vcpus_usage: 0.5 })]);
    expect((await fx.call('GET', '/compute/v2.1/os-simple-tenant-usage/', { as: 'admin' })).statusCode).toBe(404);
  });
});
