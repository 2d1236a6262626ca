/**
 * The server password a guest posts to the metadata service is kept with the server in the API
 * database (a real SQLite file): it survives reopening the store, the service refuses a second
 * POST (409) until the API's DELETE clears it, and another instance's password is its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiStore } from '../../../../../actors/api/db/index.ts';
import { instanceIdSignature, MetadataService, ServerAttrsPasswords } from '../../../../../actors/api/metadata/index.ts';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { createHttpServer } from '../../../../../runtime/http/index.ts';
import { createLogger } from '../../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { instanceRecord, UUID } from '../../../../support/instance-record.ts';

const dir = mkdtempSync(join(tmpdir(), 'novacell-md-pw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server password in the API database', () => {
  it('POST once, 409 again, kept across a reopen, cleared by the API, then postable again', async () => {
    const file = join(dir, 'api.sqlite');
    let store = await ApiStore.open({ file });
    await store.instances.create({ uuid: UUID, projectId: 'p1', userId: 'u1', cell: 'api!c1', attrs: {}, createdAt: 1, deletedAt: null });
    const clock = new VirtualClock();
    const serve = async (s: ApiStore) => {
      const app = createHttpServer({ log: createLogger({}, 'silent'), clock, rng: new SeededRng('pw').stream('ids') });
      const service = new MetadataService({
        clock, sharedSecret: 's', cacheExpirationS: 0, defaultAvailabilityZone: 'nova',
        source: async (uuid) => (uuid === UUID ? instanceRecord() : undefined), passwords: new ServerAttrsPasswords(s.instances),
      });
      await app.register(async (x) => service.register(x));
      return app;
    };
    const headers = { 'x-instance-id': UUID, 'x-tenant-id': 'p1', 'x-instance-id-signature': instanceIdSignature('s', UUID), 'content-type': 'text/plain' };
    let app = await serve(store);
    const post = (body: string) => app.inject({ method: 'POST', url: '/openstack/latest/password', headers, payload: body });
    const get = async () => (await app.inject({ method: 'GET', url: '/openstack/2013-04-04/password', headers })).body;
    expect(await get()).toBe('');
    expect((await post('ciphertext-1')).statusCode).toBe(200);
    expect((await post('ciphertext-2')).statusCode).toBe(409);
    await app.close();
    await store.close();

    store = await ApiStore.open({ file });
    expect(store.instances.attrs(UUID).serverPassword).toBe('ciphertext-1');
    app = await serve(store);
    expect(await get()).toBe('ciphertext-1');
    await store.instances.patch(UUID, { serverPassword: '' }); // DELETE /servers/{id}/os-server-password
    expect(await get()).toBe('');
    expect((await post('ciphertext-3')).statusCode).toBe(200);
    expect(await get()).toBe('ciphertext-3');
    await app.close();
    await store.close();
  });
});
