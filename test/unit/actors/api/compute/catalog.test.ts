/**
 * The global data of the API cell through the compute API: flavors (with extra specs and access
 * lists), keypairs (generated and imported), server groups, limits and quotas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
beforeEach(async () => { fx = await apiFixture(); });
afterEach(async () => { await fx.close(); });

describe('flavors', () => {
  it('lists in flavorid order, with fields per microversion', async () => {
    const brief = (await fx.call('GET', '/compute/v2.1/flavors')).json() as { flavors: Array<Record<string, unknown>> };
    expect(brief.flavors.map((f) => f['name'])).toEqual(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge', 'ssd.small']);
    expect(Object.keys(brief.flavors[0]!).sort()).toEqual(['id', 'links', 'name']);
    const v21 = ((await fx.call('GET', '/compute/v2.1/flavors/1')).json() as { flavor: Record<string, unknown> }).flavor;
    expect(v21).toMatchObject({ swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0, 'os-flavor-access:is_public': true });
    expect(v21).not.toHaveProperty('description');
    const v275 = ((await fx.call('GET', '/compute/v2.1/flavors/1', { version: '2.75' })).json() as { flavor: Record<string, unknown> }).flavor;
    expect(v275).toMatchObject({ swap: 0, description: null, extra_specs: {} });
  });

  it('filters by minRam/minDisk and pages with a marker; bad filters are 400', async () => {
    const names = async (q: string) => ((await fx.call('GET', `/compute/v2.1/flavors${q}`)).json() as { flavors: Array<{ name: string }> }).flavors.map((f) => f.name);
    expect(await names('?minRam=8192')).toEqual(['m1.large', 'm1.xlarge']);
    expect(await names('?minDisk=80&limit=1')).toEqual(['m1.large']);
    expect(await names('?marker=4')).toEqual(['m1.xlarge', 'ssd.small']);
    expect((await fx.call('GET', '/compute/v2.1/flavors?minRam=lots')).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/flavors?is_public=maybe', { as: 'admin' })).statusCode).toBe(400);
  });

  it('admins create (the CLI sends "id": null), conflict on names, delete; others get 403', async () => {
    const body = { flavor: { name: 'f1', disk: 1, ram: '256', swap: 0, 'os-flavor-access:is_public': true, vcpus: 1, 'OS-FLV-EXT-DATA:ephemeral': 0, rxtx_factor: 1.0, id: null } };
    expect((await fx.call('POST', '/compute/v2.1/flavors', { body })).statusCode).toBe(403);
    const res = await fx.call('POST', '/compute/v2.1/flavors', { as: 'admin', version: '2.61', body });
    expect(res.statusCode).toBe(200);
    const f = (res.json() as { flavor: { id: string; ram: number } }).flavor;
    expect(f.ram).toBe(256);
    expect((await fx.call('POST', '/compute/v2.1/flavors', { as: 'admin', body })).statusCode).toBe(409);
    expect((await fx.call('POST', '/compute/v2.1/flavors', { as: 'admin', body: { flavor: { ...body.flavor, name: 'f2', ram: -1 } } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', `/compute/v2.1/flavors/${f.id}`)).statusCode).toBe(403);
    expect((await fx.call('DELETE', `/compute/v2.1/flavors/${f.id}`, { as: 'admin' })).statusCode).toBe(202);
    expect((await fx.call('GET', `/compute/v2.1/flavors/${f.id}`)).statusCode).toBe(404);
  });

  it('a private flavor is invisible to projects without access until granted', async () => {
    const res = await fx.call('POST', '/compute/v2.1/flavors', { as: 'admin', body: { flavor: { name: 'private', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false } } });
    const id = (res.json() as { flavor: { id: string } }).flavor.id;
    expect((await fx.call('GET', `/compute/v2.1/flavors/${id}`)).statusCode).toBe(404);
    expect((await fx.call('POST', `/compute/v2.1/flavors/${id}/action`, { body: { addTenantAccess: { tenant: fx.project.demo } } })).statusCode).toBe(403);
    const granted = await fx.call('POST', `/compute/v2.1/flavors/${id}/action`, { as: 'admin', body: { addTenantAccess: { tenant: fx.project.demo } } });
    expect(granted.json()).toEqual({ flavor_access: [{ flavor_id: id, tenant_id: fx.project.demo }] });
    expect((await fx.call('POST', `/compute/v2.1/flavors/${id}/action`, { as: 'admin', body: { addTenantAccess: { tenant: fx.project.demo } } })).statusCode).toBe(409);
    expect((await fx.call('GET', `/compute/v2.1/flavors/${id}`)).statusCode).toBe(200);
    expect((await fx.call('GET', `/compute/v2.1/flavors/${id}`, { as: 'alt' })).statusCode).toBe(404);
    expect((await fx.call('GET', '/compute/v2.1/flavors/1/os-flavor-access', { as: 'admin' })).statusCode).toBe(404);
  });

  it('extra specs: everyone reads, admins write; key and body must agree', async () => {
    expect((await fx.call('POST', '/compute/v2.1/flavors/1/os-extra_specs', { body: { extra_specs: { a: 'b' } } })).statusCode).toBe(403);
    expect((await fx.call('POST', '/compute/v2.1/flavors/1/os-extra_specs', { as: 'admin', body: { extra_specs: { 'hw:cpu_policy': 'dedicated', n: 2 } } })).json())
      .toEqual({ extra_specs: { 'hw:cpu_policy': 'dedicated', n: '2' } });
    expect((await fx.call('GET', '/compute/v2.1/flavors/1/os-extra_specs/n')).json()).toEqual({ n: '2' });
    expect((await fx.call('PUT', '/compute/v2.1/flavors/1/os-extra_specs/n', { as: 'admin', body: { m: '3' } })).statusCode).toBe(400);
    expect((await fx.call('PUT', '/compute/v2.1/flavors/1/os-extra_specs/n', { as: 'admin', body: { n: '3', m: '4' } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', '/compute/v2.1/flavors/1/os-extra_specs/nope', { as: 'admin' })).statusCode).toBe(404);
    expect((await fx.call('DELETE', '/compute/v2.1/flavors/1/os-extra_specs/n', { as: 'admin' })).statusCode).toBe(200);
  });
});

describe('keypairs', () => {
  it('generates a key (private part returned once), imports one, and scopes them per user', async () => {
    const gen = await fx.call('POST', '/compute/v2.1/os-keypairs', { version: '2.10', body: { keypair: { name: 'k1' } } });
    expect(gen.statusCode).toBe(201);
    expect((gen.json() as { keypair: Record<string, unknown> }).keypair).toMatchObject({ name: 'k1', type: 'ssh', private_key: expect.stringContaining('PRIVATE KEY') });
    const shown = (await fx.call('GET', '/compute/v2.1/os-keypairs/k1')).json() as { keypair: Record<string, unknown> };
    expect(shown.keypair).not.toHaveProperty('private_key');
    expect((await fx.call('GET', '/compute/v2.1/os-keypairs/k1', { as: 'alt' })).statusCode).toBe(404);
    expect((await fx.call('POST', '/compute/v2.1/os-keypairs', { body: { keypair: { name: 'k1' } } })).statusCode).toBe(409);
    expect((await fx.call('POST', '/compute/v2.1/os-keypairs', { body: { keypair: { name: 'bad/name' } } })).statusCode).toBe(400);
    expect((await fx.call('POST', '/compute/v2.1/os-keypairs', { body: { keypair: { name: 'k2', public_key: 'ssh-rsa JUNK nova@ubuntu' } } })).statusCode).toBe(400);
    expect((await fx.call('POST', '/compute/v2.1/os-keypairs', { version: '2.92', body: { keypair: { name: 'k3' } } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', '/compute/v2.1/os-keypairs/k1', { as: 'alt' })).statusCode).toBe(404);
    expect((await fx.call('DELETE', '/compute/v2.1/os-keypairs/k1', { version: '2.2' })).statusCode).toBe(204);
  });

  it('lets an admin manage another user\'s keypairs from 2.10, and nobody else', async () => {
    const demo = fx.plan.users.find((u) => u.name === 'demo')!.id;
    expect((await fx.call('POST', '/compute/v2.1/os-keypairs', { as: 'admin', version: '2.10', body: { keypair: { name: 'for-demo', user_id: demo } } })).statusCode).toBe(201);
    expect((await fx.call('GET', '/compute/v2.1/os-keypairs/for-demo')).statusCode).toBe(200);
    expect((await fx.call('GET', `/compute/v2.1/os-keypairs?user_id=${demo}`, { as: 'alt', version: '2.10' })).statusCode).toBe(403);
  });
});

describe('server groups, limits, quotas', () => {
  it('server groups: policies before 2.64, policy and rules after; another project gets 404', async () => {
    const old = await fx.call('POST', '/compute/v2.1/os-server-groups', { body: { server_group: { name: 'g', policies: ['affinity'] } } });
    expect((old.json() as { server_group: Record<string, unknown> }).server_group).toMatchObject({ policies: ['affinity'], members: [], metadata: {} });
    const res = await fx.call('POST', '/compute/v2.1/os-server-groups', { version: '2.64', body: { server_group: { name: 'g2', policy: 'anti-affinity', rules: { max_server_per_host: 2 } } } });
    const g = (res.json() as { server_group: Record<string, unknown> }).server_group;
    expect(g).toMatchObject({ policy: 'anti-affinity', rules: { max_server_per_host: 2 }, project_id: fx.project.demo });
    expect(g).not.toHaveProperty('policies');
    expect((await fx.call('GET', `/compute/v2.1/os-server-groups/${g['id']}`, { as: 'alt' })).statusCode).toBe(404);
    expect((await fx.call('POST', '/compute/v2.1/os-server-groups', { version: '2.64', body: { server_group: { name: 'g3', policy: 'affinity', rules: { max_server_per_host: 2 } } } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', `/compute/v2.1/os-server-groups/${g['id']}`)).statusCode).toBe(204);
  });

  it('limits and quota sets change shape with the microversion', async () => {
    const lim = (await fx.call('GET', '/compute/v2.1/limits')).json() as { limits: { absolute: Record<string, number> } };
    expect(lim.limits.absolute).toMatchObject({ maxTotalInstances: 10, maxTotalCores: 20, totalInstancesUsed: 0, maxSecurityGroups: -1 });
    const lim257 = (await fx.call('GET', '/compute/v2.1/limits', { version: '2.57' })).json() as { limits: { absolute: Record<string, number> } };
    expect(lim257.limits.absolute).not.toHaveProperty('maxSecurityGroups');
    expect(lim257.limits.absolute).not.toHaveProperty('maxPersonality');
    const q = (await fx.call('GET', `/compute/v2.1/os-quota-sets/${fx.project.demo}`)).json() as { quota_set: Record<string, unknown> };
    expect(q.quota_set).toMatchObject({ id: fx.project.demo, instances: 10, fixed_ips: -1 });
    expect((await fx.call('GET', `/compute/v2.1/os-quota-sets/${fx.project.alt}`)).statusCode).toBe(403);
    expect((await fx.call('PUT', `/compute/v2.1/os-quota-sets/${fx.project.demo}`, { body: { quota_set: { instances: 1 } } })).statusCode).toBe(403);
    expect((await fx.call('PUT', `/compute/v2.1/os-quota-sets/${fx.project.demo}`, { as: 'admin', body: { quota_set: { instances: 1 } } })).statusCode).toBe(200);
    const image = fx.plan.images[0]!.id;
    expect((await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'a', imageRef: image, flavorRef: '1', min_count: 2 } } })).statusCode).toBe(403);
  });
});
