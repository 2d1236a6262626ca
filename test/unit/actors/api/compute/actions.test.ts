/**
 * Server actions: argument checked first (400), then the server (404, also another project's), then
 * lock and state rules (409); power actions, lock/unlock, console output, createImage/createBackup,
 * and the cell tasks (rebuild, resize, shelve, rescue) handed to the cells.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';
import { until } from '../../../../support/waits.ts';

let fx: ApiFixture;
let id: string;

beforeEach(async () => {
  fx = await apiFixture();
  id = await fx.createServer();
});
afterEach(async () => { await fx.close(); });

const act = (body: unknown, o: { as?: 'demo' | 'alt' | 'admin'; version?: string } = {}) =>
  fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body, ...o });

describe('server actions', () => {
  it('stop, start, reboot; a wrong state is 409', async () => {
    expect((await act({ 'os-stop': null })).statusCode).toBe(202);
    expect((await act({ 'os-stop': null })).statusCode).toBe(409);
    expect((await act({ 'os-start': null })).statusCode).toBe(202);
    expect((await act({ reboot: { type: 'HARD' } })).statusCode).toBe(202);
    expect((await act({ reboot: { type: 'SIDEWAYS' } })).statusCode).toBe(400);
    expect((await act({ unpause: null })).statusCode).toBe(409);
  });

  it('an unknown action or an empty body is 400; an unknown server 404', async () => {
    expect((await act({ fly: {} })).statusCode).toBe(400);
    expect((await act({})).statusCode).toBe(400);
    expect((await act([1, 2])).statusCode).toBe(400);
    expect((await fx.call('POST', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000000/action', { body: { 'os-stop': null } })).statusCode).toBe(404);
  });

  it('a locked server refuses its owner (409) but not an admin; unlock restores it', async () => {
    expect((await act({ lock: null })).statusCode).toBe(202);
    const shown = (await fx.call('GET', `/compute/v2.1/servers/${id}`, { version: '2.73' })).json() as { server: Record<string, unknown> };
    expect(shown.server).toMatchObject({ locked: true });
    expect((await act({ 'os-stop': null })).statusCode).toBe(409);
    expect((await fx.call('DELETE', `/compute/v2.1/servers/${id}`)).statusCode).toBe(409);
    expect((await act({ 'os-stop': null }, { as: 'admin' })).statusCode).toBe(202);
    expect((await act({ unlock: null })).statusCode).toBe(202);
    expect((await act({ 'os-start': null })).statusCode).toBe(202);
  });

  it('console output: the last `length` lines', async () => {
    const res = await act({ 'os-getConsoleOutput': { length: 3 } });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { output: string }).output.split('\n')).toHaveLength(3);
    expect((await act({ 'os-getConsoleOutput': { length: -2 } })).statusCode).toBe(400);
    expect((await act({ 'os-getConsoleOutput': { length: 'ten' } })).statusCode).toBe(400);
  });

  it('createImage registers a snapshot image; createBackup keeps `rotation` backups', async () => {
    const res = await act({ createImage: { name: 'snap', metadata: { k: 'v' } } }, { version: '2.45' });
    expect(res.statusCode).toBe(202);
    const imageId = (res.json() as { image_id: string }).image_id;
    const img = (await fx.call('GET', `/image/v2/images/${imageId}`)).json() as Record<string, unknown>;
    // `saving` until the compute host has captured the disk, as in Glance; then active.
    expect(img).toMatchObject({ name: 'snap', status: 'saving', image_type: 'snapshot', instance_uuid: id, k: 'v', owner: fx.project.demo });
    await until('snapshot active', async () => {
      await fx.clock.advance(500);
      return ((await fx.call('GET', `/image/v2/images/${imageId}`)).json() as { status: string }).status === 'active';
    });
    for (const n of ['b1', 'b2', 'b3']) {
      await fx.clock.advance(1000);
      expect((await act({ createBackup: { name: n, backup_type: 'daily', rotation: 2 } })).statusCode).toBe(202);
      // The next backup waits for this one to be saved (Nova: 409 while task_state image_uploading).
      expect((await act({ createImage: { name: 'meanwhile' } })).statusCode).toBe(409);
      await until(`${n} saved`, async () => {
        await fx.clock.advance(500);
        return !fx.store.images.all().some((i) => i.status === 'saving');
      });
    }
    // Rotation follows the save of the new backup, as in Nova's compute manager.
    const names = async () => ((await fx.call('GET', `/image/v2/images?image_type=backup&instance_uuid=${id}&sort_key=created_at&sort_dir=asc`)).json() as { images: Array<{ name: string }> }).images.map((i) => i.name);
    await until('rotated', async () => (await names()).join() === 'b2,b3');
    expect(await names()).toEqual(['b2', 'b3']);
    expect((await act({ createBackup: { name: 'b', backup_type: 'daily' } })).statusCode).toBe(400);
  });

  it('rebuild answers the server in REBUILD with the new image and an adminPass', async () => {
    const res = await act({ rebuild: { imageRef: fx.plan.images[0]!.id, name: 'rebuilt', metadata: { a: 'b' } } });
    expect(res.statusCode).toBe(202);
    const { server } = res.json() as { server: Record<string, unknown> };
    expect(server).toMatchObject({ name: 'rebuilt', metadata: { a: 'b' }, adminPass: expect.any(String) });
    expect(server).not.toHaveProperty('OS-EXT-STS:vm_state');
    expect((await act({ rebuild: { imageRef: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(400);
    expect((await act({ rebuild: {} })).statusCode).toBe(400);
  });

  it('resize needs another flavor; confirm needs VERIFY_RESIZE', async () => {
    expect((await act({ resize: { flavorRef: '1' } })).statusCode).toBe(400);
    expect((await act({ resize: { flavorRef: '' } })).statusCode).toBe(400);
    expect((await act({ resize: { flavorRef: 'nope' } })).statusCode).toBe(400);
    expect((await act({ confirmResize: null })).statusCode).toBe(409);
    expect((await act({ resize: { flavorRef: '2' } })).statusCode).toBe(202);
    expect((await act({ confirmResize: null })).statusCode).toBe(204);
  });

  it('shelve keeps the disk as an image that unshelve removes; rescue answers an adminPass', async () => {
    expect((await act({ unshelve: null })).statusCode).toBe(409);
    expect((await act({ shelve: null })).statusCode).toBe(202);
    const shelved = (await fx.call('GET', '/image/v2/images?name=vm-shelved')).json() as { images: Array<{ id: string }> };
    expect(shelved.images).toHaveLength(1);
    expect((await act({ shelve: null })).statusCode).toBe(409);
    expect((await act({ unshelve: null })).statusCode).toBe(202);
    expect((await fx.call('GET', `/image/v2/images/${shelved.images[0]!.id}`)).statusCode).toBe(404);
    const rescue = await act({ rescue: { adminPass: 'secret' } });
    expect(rescue.json()).toEqual({ adminPass: 'secret' });
  });

  it('os-resetState is for admins', async () => {
    expect((await act({ 'os-resetState': { state: 'error' } })).statusCode).toBe(403);
    expect((await act({ 'os-resetState': { state: 'bogus' } }, { as: 'admin' })).statusCode).toBe(400);
    expect((await act({ 'os-resetState': { state: 'error' } }, { as: 'admin' })).statusCode).toBe(202);
    expect(((await fx.call('GET', `/compute/v2.1/servers/${id}`)).json() as { server: { status: string } }).server.status).toBe('ERROR');
  });
});

describe('metadata, tags, instance actions', () => {
  it('metadata: set, merge, per key, 404 for a missing key', async () => {
    const base = `/compute/v2.1/servers/${id}/metadata`;
    expect((await fx.call('PUT', base, { body: { metadata: { a: '1' } } })).json()).toEqual({ metadata: { a: '1' } });
    expect((await fx.call('POST', base, { body: { metadata: { b: '2' } } })).json()).toEqual({ metadata: { a: '1', b: '2' } });
    expect((await fx.call('GET', `${base}/b`)).json()).toEqual({ meta: { b: '2' } });
    expect((await fx.call('PUT', `${base}/c`, { body: { meta: { d: '4' } } })).statusCode).toBe(400);
    expect((await fx.call('PUT', base, { body: { metadata: { '': 'x' } } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', `${base}/zz`)).statusCode).toBe(404);
    expect((await fx.call('DELETE', `${base}/a`)).statusCode).toBe(204);
  });

  it('tags from 2.26: add, check, replace, delete', async () => {
    const base = `/compute/v2.1/servers/${id}/tags`;
    expect((await fx.call('GET', base)).statusCode).toBe(404);
    expect((await fx.call('PUT', `${base}/t1`, { version: '2.26' })).statusCode).toBe(201);
    expect((await fx.call('GET', `${base}/t1`, { version: '2.26' })).statusCode).toBe(204);
    expect((await fx.call('PUT', base, { version: '2.26', body: { tags: ['x', 'y'] } })).json()).toEqual({ tags: ['x', 'y'] });
    expect((await fx.call('GET', `${base}/t1`, { version: '2.26' })).statusCode).toBe(404);
    expect((await fx.call('PUT', base, { version: '2.26', body: { tags: ['a,b'] } })).statusCode).toBe(400);
    expect((await fx.call('DELETE', base, { version: '2.26' })).statusCode).toBe(204);
  });

  it('instance actions carry the request id of the request that caused them', async () => {
    const stop = await act({ 'os-stop': null });
    const reqId = stop.headers['x-compute-request-id'] as string;
    const list = (await fx.call('GET', `/compute/v2.1/servers/${id}/os-instance-actions`)).json() as { instanceActions: Array<{ action: string; request_id: string }> };
    expect(list.instanceActions.map((a) => a.action)).toEqual(['stop', 'create']);
    const one = (await fx.call('GET', `/compute/v2.1/servers/${id}/os-instance-actions/${reqId}`, { version: '2.51' })).json() as { instanceAction: Record<string, unknown> };
    expect(one.instanceAction).toMatchObject({ action: 'stop', request_id: reqId, events: [expect.objectContaining({ result: 'Success' })] });
    expect((await fx.call('GET', `/compute/v2.1/servers/${id}/os-instance-actions/req-nope`)).statusCode).toBe(404);
  });

  it('injectNetworkInfo is accepted (202) for an admin only; a member is refused by its policy (403)', async () => {
    expect((await act({ injectNetworkInfo: null }, { as: 'admin' })).statusCode).toBe(202);
    const member = await act({ injectNetworkInfo: null });
    expect(member.statusCode).toBe(403);
    expect(member.json()).toHaveProperty('forbidden.message', expect.stringContaining('os_compute_api:os-admin-actions:inject_network_info'));
    const missing = await fx.call('POST', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000000/action', { as: 'admin', body: { injectNetworkInfo: null } });
    expect(missing.statusCode).toBe(404);
  });

  it('resetNetwork is gone (410) for everyone, as in Nova since the XenAPI driver went', async () => {
    for (const as of ['admin', 'demo'] as const) expect((await act({ resetNetwork: null }, { as })).statusCode).toBe(410);
    const missing = await fx.call('POST', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000000/action', { body: { resetNetwork: null } });
    expect(missing.statusCode).toBe(410);
  });
});
