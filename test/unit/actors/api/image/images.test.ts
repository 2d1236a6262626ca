/** The image v2 registry: create, list with filters, show, PATCH, tags, upload, visibility, delete. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-images-'));
  fx = await apiFixture({ dataDir: dir });
});
afterEach(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('image v2', () => {
  it('lists the seeded public image with Glance\'s fields', async () => {
    const res = await fx.call('GET', '/image/v2/images');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { images: Array<Record<string, unknown>>; schema: string };
    expect(body.schema).toBe('/v2/schemas/images');
    expect(body.images[0]).toMatchObject({
      name: 'cirros-0.6.2-x86_64-disk', status: 'active', visibility: 'public', disk_format: 'qcow2', hw_architecture: 'x86_64',
      self: `/v2/images/${fx.plan.images[0]!.id}`,
    });
  });

  it('create (queued), upload (active with checksums), download, patch, tag, delete', async () => {
    const created = await fx.call('POST', '/image/v2/images', { body: { name: 'mine', disk_format: 'raw', container_format: 'bare', min_ram: 64, purpose: 'test' } });
    expect(created.statusCode).toBe(201);
    const img = created.json() as { id: string; status: string; visibility: string; owner: string; purpose: string };
    expect(img).toMatchObject({ status: 'queued', visibility: 'shared', owner: fx.project.demo, purpose: 'test' });
    const put = await fx.app.inject({ method: 'PUT', url: `/image/v2/images/${img.id}/file`, headers: { 'x-auth-token': fx.token.demo, 'content-type': 'application/octet-stream' }, payload: Buffer.from('disk bytes') });
    expect(put.statusCode).toBe(204);
    const shown = (await fx.call('GET', `/image/v2/images/${img.id}`)).json() as Record<string, unknown>;
    expect(shown).toMatchObject({ status: 'active', size: 10, checksum: expect.stringMatching(/^[0-9a-f]{32}$/), os_hash_algo: 'sha512' });
    const file = await fx.app.inject({ method: 'GET', url: `/image/v2/images/${img.id}/file`, headers: { 'x-auth-token': fx.token.demo } });
    expect(file.body).toBe('disk bytes');
    const patched = await fx.call('PATCH', `/image/v2/images/${img.id}`, {
      headers: PATCH, raw: JSON.stringify([{ op: 'replace', path: '/name', value: 'renamed' }, { op: 'add', path: '/os_distro', value: 'cirros' }, { op: 'remove', path: '/purpose' }]),
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'renamed', os_distro: 'cirros' });
    expect(patched.json()).not.toHaveProperty('purpose');
    expect((await fx.call('PATCH', `/image/v2/images/${img.id}`, { headers: PATCH, raw: JSON.stringify([{ op: 'replace', path: '/status', value: 'active' }]) })).statusCode).toBe(403);
    expect((await fx.call('PATCH', `/image/v2/images/${img.id}`, { headers: PATCH, raw: JSON.stringify([{ op: 'replace', path: '/visibility', value: 'public' }]) })).statusCode).toBe(403);
    expect((await fx.call('PUT', `/image/v2/images/${img.id}/tags/t1`)).statusCode).toBe(204);
    const tagged = (await fx.call('GET', '/image/v2/images?tag=t1')).json() as { images: Array<{ id: string }> };
    expect(tagged.images.map((i) => i.id)).toEqual([img.id]);
    expect((await fx.call('DELETE', `/image/v2/images/${img.id}`, { as: 'alt' })).statusCode).toBe(404);
    expect((await fx.call('DELETE', `/image/v2/images/${img.id}`)).statusCode).toBe(204);
    expect((await fx.call('GET', `/image/v2/images/${img.id}`)).statusCode).toBe(404);
  });

  it('refuses bad input: unknown formats, read-only fields, bad ids, protected deletes', async () => {
    expect((await fx.call('POST', '/image/v2/images', { body: { disk_format: 'floppy' } })).statusCode).toBe(400);
    expect((await fx.call('POST', '/image/v2/images', { body: { size: 5 } })).statusCode).toBe(403);
    expect((await fx.call('POST', '/image/v2/images', { body: { id: 'not-a-uuid' } })).statusCode).toBe(400);
    expect((await fx.call('POST', '/image/v2/images', { body: { min_ram: -1 } })).statusCode).toBe(400);
    expect((await fx.call('POST', '/image/v2/images', { body: { visibility: 'public' } })).statusCode).toBe(403);
    const p = (await fx.call('POST', '/image/v2/images', { body: { name: 'p', protected: true } })).json() as { id: string };
    expect((await fx.call('DELETE', `/image/v2/images/${p.id}`)).statusCode).toBe(403);
    expect((await fx.call('GET', '/image/v2/images?marker=nope')).statusCode).toBe(400);
  });

  it('a server from an image whose min_ram the flavor cannot give is 400', async () => {
    const img = (await fx.call('POST', '/image/v2/images', { body: { name: 'big', disk_format: 'raw', container_format: 'bare', min_ram: 1024 } })).json() as { id: string };
    await fx.app.inject({ method: 'PUT', url: `/image/v2/images/${img.id}/file`, headers: { 'x-auth-token': fx.token.demo, 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') });
    const res = await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'vm', imageRef: img.id, flavorRef: '1' } } });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { badRequest: { message: string } }).badRequest.message).toContain('memory is too small');
  });
});
