/**
 * The Placement REST API over two cells' placements (LocalPlacementBackend): status codes, error
 * bodies, generations, microversion gates, admin-only policy, lists merged across cells, traits and
 * forbidden traits in allocation candidates, consumer generations, usages and the reshaper.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';
import { LocalPlacementBackend } from '../../../../../actors/api/placement/index.ts';
import { computeNodeInventories, Placement } from '../../../../../actors/placement/index.ts';

const RP1 = '11111111-1111-4111-8111-111111111111';
const RP2 = '22222222-2222-4222-8222-222222222222';
const C1 = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

function node() {
  return computeNodeInventories({
    vcpus: 4, memoryMb: 8192, localGb: 100, cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1,
    reservedHostMemoryMb: 0, reservedHostDiskMb: 0, reservedHostCpus: 0,
  });
}

let f: ApiFixture;
let cellA: Placement;
let cellB: Placement;

async function call(method: string, url: string, o: { body?: unknown; version?: string; as?: 'admin' | 'demo' | null } = {}) {
  const headers: Record<string, string> = { 'openstack-api-version': `placement ${o.version ?? '1.39'}` };
  return f.call(method, `/placement${url}`, { as: o.as === undefined ? 'admin' : o.as, body: o.body, headers });
}

beforeEach(async () => {
  cellA = new Placement();
  cellB = new Placement();
  cellA.setInventory(RP1, 'host-a', node());
  cellB.setInventory(RP2, 'host-b', node());
  f = await apiFixture({ placement: new LocalPlacementBackend(new Map([['api!a', cellA], ['api!b', cellB]]), () => 0) });
});
afterEach(async () => f.close());

describe('Placement API', () => {
  it('serves the version document without a token and negotiates microversions', async () => {
    const root = await f.call('GET', '/placement/', { as: null });
    expect(root.statusCode).toBe(200);
    expect(root.json().versions[0].max_version).toBe('1.39');
    expect((await f.call('GET', '/placement', { as: null })).json().versions[0].id).toBe('v1.0');
    expect((await call('GET', '/resource_providers', { version: 'one' })).statusCode).toBe(400);
    const bad = await call('GET', '/resource_providers', { version: '1.99' });
    expect(bad.statusCode).toBe(406);
    expect(bad.json().errors[0]).toMatchObject({ status: 406, max_version: '1.39', min_version: '1.0' });
    const ok = await call('GET', '/resource_providers', { version: '1.14' });
    expect(ok.headers['openstack-api-version']).toBe('placement 1.14');
  });

  it('is admin-only and answers in placement error format', async () => {
    expect((await call('GET', '/resource_providers', { as: null })).statusCode).toBe(401);
    const r = await call('GET', '/resource_providers', { as: 'demo' });
    expect(r.statusCode).toBe(403);
    expect(r.json().errors[0]).toMatchObject({ status: 403, title: 'Forbidden', code: 'placement.undefined_code' });
    expect(r.json().errors[0].request_id).toMatch(/^req-/);
  });

  it('lists the providers of every cell, with trees from 1.14 only', async () => {
    const r = await call('GET', '/resource_providers');
    expect(r.json().resource_providers.map((p: { name: string }) => p.name)).toEqual(['host-a', 'host-b']);
    expect(r.json().resource_providers[0].root_provider_uuid).toBe(RP1);
    const old = await call('GET', '/resource_providers', { version: '1.0' });
    expect(old.json().resource_providers[0]).not.toHaveProperty('root_provider_uuid');
    const filtered = await call('GET', '/resource_providers?resources=VCPU:5');
    expect(filtered.json().resource_providers).toEqual([]);
    expect((await call('GET', '/resource_providers?bogus=1')).statusCode).toBe(400);
  });

  it('creates a child provider in its parent cell and refuses deleting the parent', async () => {
    const child = '33333333-3333-4333-8333-333333333333';
    const r = await call('POST', '/resource_providers', { body: { name: 'nic', uuid: child, parent_provider_uuid: RP2 } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ uuid: child, parent_provider_uuid: RP2, root_provider_uuid: RP2 });
    expect(cellB.provider(child)).toBeDefined();
    expect(cellA.provider(child)).toBeUndefined();
    expect((await call('POST', '/resource_providers', { body: { name: 'nic' } })).statusCode).toBe(409);
    const del = await call('DELETE', `/resource_providers/${RP2}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().errors[0].code).toBe('placement.resource_provider.cannot_delete_parent');
    expect((await call('DELETE', `/resource_providers/${child}`)).statusCode).toBe(204);
    expect((await call('GET', `/resource_providers/${child}`)).statusCode).toBe(404);
  });

  it('refuses an inventory write with a stale generation (409 placement.concurrent_update)', async () => {
    const inv = await call('GET', `/resource_providers/${RP1}/inventories`);
    const gen = inv.json().resource_provider_generation;
    expect(inv.json().inventories.VCPU).toMatchObject({ total: 4, allocation_ratio: 1 });
    const body = { resource_provider_generation: gen, inventories: { VCPU: { total: 8 }, MEMORY_MB: { total: 1024 } } };
    const ok = await call('PUT', `/resource_providers/${RP1}/inventories`, { body });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().resource_provider_generation).toBe(gen + 1);
    const stale = await call('PUT', `/resource_providers/${RP1}/inventories`, { body });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().errors[0].code).toBe('placement.concurrent_update');
  });

  it('gates routes by microversion', async () => {
    expect((await call('GET', '/traits', { version: '1.5' })).statusCode).toBe(404);
    expect((await call('GET', '/allocation_candidates?resources=VCPU:1', { version: '1.9' })).statusCode).toBe(404);
    expect((await call('GET', '/usages?project_id=p', { version: '1.8' })).statusCode).toBe(404);
    expect((await call('POST', '/reshaper', { version: '1.29', body: {} })).statusCode).toBe(404);
  });

  it('creates custom traits in every cell and honours required and forbidden traits in candidates', async () => {
    expect((await call('PUT', '/traits/CUSTOM_FAST')).statusCode).toBe(201);
    expect((await call('PUT', '/traits/CUSTOM_FAST')).statusCode).toBe(204);
    expect((await call('PUT', '/traits/NOT_CUSTOM')).statusCode).toBe(400);
    const gen = (await call('GET', `/resource_providers/${RP2}`)).json().generation;
    const set = await call('PUT', `/resource_providers/${RP2}/traits`, { body: { traits: ['CUSTOM_FAST'], resource_provider_generation: gen } });
    expect(set.statusCode).toBe(200);
    expect(cellB.hasTraits(RP2, ['CUSTOM_FAST'])).toBe(true);
    const all = await call('GET', '/allocation_candidates?resources=VCPU:1,MEMORY_MB:512');
    expect(all.json().allocation_requests).toHaveLength(2);
    const req = await call('GET', '/allocation_candidates?resources=VCPU:1&required=CUSTOM_FAST');
    expect(Object.keys(req.json().allocation_requests[0].allocations)).toEqual([RP2]);
    expect(req.json().provider_summaries[RP2].traits).toEqual(['CUSTOM_FAST']);
    const forb = await call('GET', '/allocation_candidates?resources=VCPU:1&required=!CUSTOM_FAST');
    expect(forb.json().allocation_requests.map((a: { allocations: object }) => Object.keys(a.allocations)[0])).toEqual([RP1]);
    expect((await call('GET', '/allocation_candidates?resources=VCPU:1&required=!CUSTOM_FAST', { version: '1.21' })).statusCode).toBe(400);
    expect((await call('GET', '/allocation_candidates?resources=VCPU:1&limit=1')).json().allocation_requests).toHaveLength(1);
    expect((await call('DELETE', '/traits/CUSTOM_FAST')).statusCode).toBe(409);
  });

  it('writes allocations with consumer generations and reports usages', async () => {
    const body = { allocations: { [RP1]: { resources: { VCPU: 2, MEMORY_MB: 1024 } } }, project_id: 'p1', user_id: 'u1', consumer_generation: null, consumer_type: 'INSTANCE' };
    expect((await call('PUT', `/allocations/${C1}`, { body })).statusCode).toBe(204);
    expect((await call('PUT', `/allocations/${C1}`, { body })).statusCode).toBe(409);
    const got = await call('GET', `/allocations/${C1}`);
    expect(got.json()).toMatchObject({ project_id: 'p1', consumer_generation: 0, consumer_type: 'INSTANCE' });
    expect(got.json().allocations[RP1].resources).toEqual({ VCPU: 2, MEMORY_MB: 1024 });
    expect((await call('GET', `/resource_providers/${RP1}/usages`)).json().usages).toMatchObject({ VCPU: 2, MEMORY_MB: 1024 });
    const usages = await call('GET', '/usages?project_id=p1', { version: '1.9' });
    expect(usages.json().usages).toEqual({ VCPU: 2, MEMORY_MB: 1024 });
    const over = { ...body, consumer_generation: 0, allocations: { [RP1]: { resources: { VCPU: 99 } } } };
    expect((await call('PUT', `/allocations/${C1}`, { body: over })).statusCode).toBe(409);
    const cross = { ...body, consumer_generation: 0, allocations: { [RP1]: { resources: { VCPU: 1 } }, [RP2]: { resources: { VCPU: 1 } } } };
    expect((await call('PUT', `/allocations/${C1}`, { body: cross })).statusCode).toBe(409);
    expect((await call('DELETE', `/allocations/${C1}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/allocations/${C1}`)).statusCode).toBe(404);
  });

  it('reshapes inventories and allocations in one step (1.30)', async () => {
    const child = '44444444-4444-4444-8444-444444444444';
    await call('POST', '/resource_providers', { body: { name: 'numa0', uuid: child, parent_provider_uuid: RP1 } });
    await call('PUT', `/allocations/${C1}`, { body: { allocations: { [RP1]: { resources: { VCPU: 2 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' } });
    const g1 = (await call('GET', `/resource_providers/${RP1}`)).json().generation;
    const g2 = (await call('GET', `/resource_providers/${child}`)).json().generation;
    const r = await call('POST', '/reshaper', {
      body: {
        inventories: {
          [RP1]: { resource_provider_generation: g1, inventories: { MEMORY_MB: { total: 8192 }, DISK_GB: { total: 100 } } },
          [child]: { resource_provider_generation: g2, inventories: { VCPU: { total: 4 } } },
        },
        allocations: { [C1]: { allocations: { [child]: { resources: { VCPU: 2 } } }, project_id: 'p', user_id: 'u', consumer_generation: 0, consumer_type: 'INSTANCE' } },
      },
    });
    expect(r.statusCode).toBe(204);
    expect(cellA.allocationsOf(C1).map((a) => a.providerUuid)).toEqual([child]);
    expect(cellA.provider(RP1)!.inventories.VCPU).toBeUndefined();
  });

  it('answers granular groups (1.25), member_of, in_tree and the list form of allocations (1.0)', async () => {
    const agg = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
    const gen = (await call('GET', `/resource_providers/${RP1}`)).json().generation;
    expect((await call('PUT', `/resource_providers/${RP1}/aggregates`, { body: { aggregates: [agg], resource_provider_generation: gen } })).statusCode).toBe(200);
    expect((await call('PUT', `/resource_providers/${RP1}/aggregates`, { body: [agg], version: '1.18' })).statusCode).toBe(200);
    const member = await call('GET', `/allocation_candidates?resources=VCPU:1&member_of=in:${agg}`);
    expect(member.json().allocation_requests.map((a: { allocations: object }) => Object.keys(a.allocations)[0])).toEqual([RP1]);
    expect((await call('GET', `/resource_providers?member_of=!${agg}`)).json().resource_providers.map((r: { uuid: string }) => r.uuid)).toEqual([RP2]);
    const tree = await call('GET', `/allocation_candidates?resources=VCPU:1&in_tree=${RP2}`);
    expect(tree.json().allocation_requests).toHaveLength(1);
    expect((await call('GET', '/allocation_candidates?resources1=VCPU:1&resources2=MEMORY_MB:512')).statusCode).toBe(400);
    const granular = await call('GET', '/allocation_candidates?resources1=VCPU:1&resources2=MEMORY_MB:512&group_policy=none');
    expect(granular.statusCode).toBe(200);
    expect(granular.json().allocation_requests[0].mappings).toHaveProperty('1');
    const isolate = await call('GET', '/allocation_candidates?resources1=VCPU:1&resources2=MEMORY_MB:512&group_policy=isolate');
    expect(isolate.json().allocation_requests).toHaveLength(0);
    const listForm = { allocations: [{ resource_provider: { uuid: RP2 }, resources: { VCPU: 1 } }] };
    expect((await call('PUT', `/allocations/${C1}`, { body: listForm, version: '1.0' })).statusCode).toBe(204);
    expect((await call('GET', `/allocations/${C1}`, { version: '1.0' })).json()).toEqual({ allocations: { [RP2]: { generation: expect.any(Number), resources: { VCPU: 1 } } } });
  });
});
