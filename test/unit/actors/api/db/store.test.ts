/** The API cell's database: seeded from the topology once, and what the API changes survives a restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiStore, seedFromPlan } from '../../../../../actors/api/db/index.ts';
import { loadTopology } from '../../../../../topology/load.ts';
import { resolvePlan } from '../../../../../topology/plan.ts';

const QUICKSTART = join(import.meta.dirname, '..', '..', '..', '..', '..', 'topology', 'examples', 'quickstart.yaml');
let dir: string | undefined;
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('ApiStore', () => {
  it('seeds flavors, images and aggregates once; later changes persist across reopening', async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-apidb-'));
    const file = join(dir, 'api.sqlite');
    const plan = resolvePlan(loadTopology(QUICKSTART));
    let store = await ApiStore.open({ file });
    expect(await seedFromPlan(store, plan, 1000)).toBe(true);
    expect(store.flavors.all().map((f) => f.name)).toContain('ssd.small');
    expect(store.aggregates.byName('ssd')?.hosts).toEqual(['ssd01', 'ssd02']);
    const tiny = store.flavors.get('1')!;
    await store.flavors.update(tiny, { extraSpecs: { 'hw:cpu_policy': 'dedicated' } }, 2000);
    await store.flavors.delete(store.flavors.get('5')!);
    await store.keypairs.create({ userId: 'u1', name: 'k', type: 'ssh', publicKey: 'ssh-rsa AAAA', fingerprint: 'f', createdAt: 3000 });
    const g = await store.groups.create({ uuid: '11111111-1111-4111-8111-111111111111', name: 'g', projectId: 'p', userId: 'u1', policy: 'affinity', rules: {}, members: [], createdAt: 1 });
    await store.groups.setMembers(g, ['i1']);
    await store.instances.create({ uuid: 'i1', projectId: 'p', userId: 'u1', cell: 'api!cell1', attrs: { tags: ['a'] }, createdAt: 1, deletedAt: null });
    await store.instances.patch('i1', { locked: true });
    // The tree's API cell maps a build before it is sent, then names the leaf; the REST API's write keeps it.
    await store.instances.create({ uuid: 'i2', projectId: 'p', userId: 'u1', cell: null, attrs: {}, createdAt: 5, deletedAt: null });
    await store.instances.setCell('i2', 'api!cell2');
    await store.instances.create({ uuid: 'i2', projectId: 'p', userId: 'u1', cell: null, attrs: { tags: ['b'] }, createdAt: 6, deletedAt: null });
    await store.instances.markDeleted('i2', 7);
    await store.quotas.set('p', { instances: 3 });
    const hypervisorId = store.legacyIds.idOf('hypervisor', 'node-uuid');
    await store.close();

    store = await ApiStore.open({ file });
    expect(await seedFromPlan(store, plan, 5000)).toBe(false);
    expect(store.flavors.get('1')!.extraSpecs).toEqual({ 'hw:cpu_policy': 'dedicated' });
    expect(store.flavors.get('5')).toBeUndefined();
    expect(store.keypairs.get('u1', 'k')?.publicKey).toBe('ssh-rsa AAAA');
    expect(store.groups.ofInstance('i1')?.uuid).toBe(g.uuid);
    expect(store.instances.get('i1')).toMatchObject({ cell: 'api!cell1', attrs: { tags: ['a'], locked: true } });
    expect(store.instances.get('i2')).toMatchObject({ cell: 'api!cell2', attrs: { tags: ['b'] }, createdAt: 5, deletedAt: 7 });
    expect(await store.purgeDeleted(8)).toEqual({ instance_mappings: 1 });
    expect(store.instances.get('i2')).toBeUndefined();
    expect(store.quotas.limit('p', 'instances')).toBe(3);
    expect(store.legacyIds.idOf('hypervisor', 'node-uuid')).toBe(hypervisorId);
    expect(store.legacyIds.idOf('hypervisor', 'other')).toBe(hypervisorId + 1);
    await store.close();
  });
});
