/**
 * The migration APIs over the REST layer: GET /os-migrations filters, orders newest first, pages
 * (2.59) and grows fields by microversion (2.23 migration_type and links, 2.59 uuid, 2.80 user and
 * project); /servers/{id}/migrations shows only in-progress live migrations; the move actions and
 * the migration listing are admin-only (403 for a member).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';
import type { Migration } from '../../../../../actors/objects/index.ts';

let fx: ApiFixture;
beforeEach(async () => { fx = await apiFixture(); });
afterEach(async () => { await fx.close(); });

function record(id: number, over: Partial<Migration>): Migration {
  return {
    id, uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, instanceUuid: 'i-1', migrationType: 'migration', status: 'confirmed',
    sourceCompute: 'h1', sourceNode: 'h1', destCompute: 'h2', destNode: 'h2', destHost: '127.0.0.1', oldFlavorId: '1', newFlavorId: '1',
    projectId: 'p', userId: 'u', memoryTotalBytes: null, memoryProcessedBytes: null, memoryRemainingBytes: null,
    diskTotalBytes: null, diskProcessedBytes: null, diskRemainingBytes: null, createdAt: 1_700_000_000_000 + id * 1000, updatedAt: null, ...over,
  };
}

describe('os-migrations', () => {
  it('lists newest first with the fields of the microversion, filters and pages', async () => {
    fx.cells.migrations.push(
      record(1, {}),
      record(2, { migrationType: 'live-migration', status: 'running', instanceUuid: 'i-2' }),
      record(3, { migrationType: 'resize', status: 'finished', sourceCompute: 'h3', destCompute: 'h3', newFlavorId: '2' }),
    );
    const v21 = (await fx.call('GET', '/compute/v2.1/os-migrations', { as: 'admin' })).json() as { migrations: Array<Record<string, unknown>> };
    expect(v21.migrations.map((m) => m['id'])).toEqual([3, 2, 1]);
    expect(v21.migrations[0]).toMatchObject({
      status: 'finished', old_instance_type_id: fx.store.flavors.get('1')!.internalId, new_instance_type_id: fx.store.flavors.get('2')!.internalId, source_compute: 'h3',
    });
    expect(v21.migrations[0]).not.toHaveProperty('migration_type');
    const v280 = (await fx.call('GET', '/compute/v2.1/os-migrations', { as: 'admin', version: '2.80' })).json() as { migrations: Array<Record<string, unknown>> };
    expect(v280.migrations[1]).toMatchObject({ migration_type: 'live-migration', uuid: record(2, {}).uuid, user_id: 'u', project_id: 'p' });
    expect(v280.migrations[1]!['links']).toHaveLength(2);
    expect(v280.migrations[0]).not.toHaveProperty('links');
    const byHost = (await fx.call('GET', '/compute/v2.1/os-migrations?host=h3', { as: 'admin' })).json() as { migrations: Array<{ id: number }> };
    expect(byHost.migrations.map((m) => m.id)).toEqual([3]);
    const byType = (await fx.call('GET', '/compute/v2.1/os-migrations?migration_type=live-migration', { as: 'admin' })).json() as { migrations: Array<{ id: number }> };
    expect(byType.migrations.map((m) => m.id)).toEqual([2]);
    const paged = (await fx.call('GET', `/compute/v2.1/os-migrations?limit=1&marker=${record(3, {}).uuid}`, { as: 'admin', version: '2.59' })).json() as { migrations: Array<{ id: number }> };
    expect(paged.migrations.map((m) => m.id)).toEqual([2]);
    expect((await fx.call('GET', '/compute/v2.1/os-migrations?marker=nope', { as: 'admin', version: '2.59' })).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/os-migrations?changes-since=yesterday', { as: 'admin', version: '2.59' })).statusCode).toBe(400);
  });

  it("gives exactly Nova's fields, with the flavors' integer database ids (Tempest's schema allows nothing else)", async () => {
    const created = await fx.call('POST', '/compute/v2.1/flavors', { as: 'admin', body: { flavor: { name: 'copy', ram: 512, vcpus: 1, disk: 1 } } });
    const uuidFlavor = (created.json() as { flavor: { id: string } }).flavor.id;
    expect(uuidFlavor).not.toMatch(/^\d+$/);
    fx.cells.migrations.push(record(1, { oldFlavorId: uuidFlavor, newFlavorId: '2' }), record(2, { oldFlavorId: 'deleted-since', newFlavorId: '1' }));
    const list = (await fx.call('GET', '/compute/v2.1/os-migrations', { as: 'admin' })).json() as { migrations: Array<Record<string, unknown>> };
    expect(Object.keys(list.migrations[1]!).sort()).toEqual([
      'created_at', 'dest_compute', 'dest_host', 'dest_node', 'id', 'instance_uuid', 'new_instance_type_id',
      'old_instance_type_id', 'source_compute', 'source_node', 'status', 'updated_at',
    ]);
    expect(list.migrations[1]).toMatchObject({
      old_instance_type_id: fx.store.flavors.get(uuidFlavor)!.internalId, new_instance_type_id: fx.store.flavors.get('2')!.internalId,
    });
    expect(list.migrations[0]).toMatchObject({ old_instance_type_id: null, new_instance_type_id: fx.store.flavors.get('1')!.internalId });
  });

  it.each([
    ['migrate', null],
    ['os-migrateLive', { host: null, block_migration: 'auto' }],
    ['evacuate', {}],
  ])('%s is 403 for a member', async (name, args) => {
    const res = await fx.call('POST', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000001/action', { version: '2.30', body: { [name]: args } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toHaveProperty('forbidden.message', expect.stringMatching(/^Policy doesn't allow/));
  });

  it.each([
    ['2.1', null, null],
    ['2.1', {}, null],
    // Before 2.56 Nova does not look at the argument: a host is ignored, not refused.
    ['2.55', { host: 'host-b' }, null],
    ['2.56', null, null],
    ['2.56', {}, null],
    ['2.56', { host: 'host-b' }, 'host-b'],
  ])('migrate at %s with %j is accepted (202) and asks for host %s', async (version, args, host) => {
    const id = await fx.createServer();
    const task = vi.spyOn(fx.cells, 'instanceTask');
    const res = await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { as: 'admin', version, body: { migrate: args } });
    expect(res.statusCode).toBe(202);
    expect(task).toHaveBeenCalledWith(id, expect.objectContaining({ kind: 'migrate', host }), expect.anything());
  });

  it('checks the migrate body from 2.56: an unknown field or a bad host is 400', async () => {
    const id = await fx.createServer();
    for (const args of [{ hots: 'x' }, { host: '' }, 'host-b']) {
      const res = await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { as: 'admin', version: '2.56', body: { migrate: args } });
      expect(res.statusCode, JSON.stringify(args)).toBe(400);
    }
  });

  it('marks migrate and resize as allowed across cells only for whom compute:servers:resize:cross_cell allows (the quickstart: admins)', async () => {
    const admins = await fx.createServer({ as: 'admin', name: 'xc-admin' });
    const members = await fx.createServer({ as: 'demo', name: 'xc-demo' });
    const act = (uuid: string, as: 'admin' | 'demo', body: unknown, version = '2.56') =>
      fx.call('POST', `/compute/v2.1/servers/${uuid}/action`, { as, version, body });
    expect((await act(admins, 'admin', { migrate: { host: 'compute11' } })).statusCode).toBe(202);
    expect((await act(members, 'demo', { resize: { flavorRef: '2' } })).statusCode).toBe(202);
    expect(fx.cells.tasks).toEqual([
      { uuid: admins, task: { kind: 'migrate', host: 'compute11', crossCell: true } },
      { uuid: members, task: expect.objectContaining({ kind: 'resize', crossCell: false }) },
    ]);
  });

  it('rejects a malformed os-migrateLive body with 400 before anything else', async () => {
    const res = await fx.call('POST', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000001/action', {
      as: 'admin', version: '2.30', body: { 'os-migrateLive': { host: 'h', block_migration: 'sometimes' } },
    });
    expect(res.statusCode).toBe(400);
  });
});
