/**
 * Server diagnostics (admin; the 2.48 format or the older free-form one; 409 for a guest that is not
 * running), trigger_crash_dump (2.17+, handed to the owning cell as an instance task, 409 for a wrong
 * state), and a second createImage while the first image is still saving (409).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';
import { FakeDriver } from '../../../../../actors/compute/drivers/fake.ts';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { diagnosticsSchema, legacyDiagnostics } from '../../../../../actors/objects/index.ts';

let fx: ApiFixture;
let id: string;
beforeEach(async () => {
  fx = await apiFixture();
  id = await fx.createServer();
});
afterEach(async () => { await fx.close(); });

describe('GET /servers/{id}/diagnostics', () => {
  it('2.48: the standard format from the hypervisor; before: libvirt\'s old keys', async () => {
    const res = await fx.call('GET', `/compute/v2.1/servers/${id}/diagnostics`, { as: 'admin', version: '2.48' });
    expect(res.statusCode).toBe(200);
    const d = diagnosticsSchema.parse(res.json());
    expect(d).toMatchObject({ state: 'running', driver: 'libvirt', num_cpus: 1, memory_details: { maximum: 512 } });
    const old = (await fx.call('GET', `/compute/v2.1/servers/${id}/diagnostics`, { as: 'admin' })).json() as Record<string, number>;
    expect(old).toMatchObject({ cpu0_time: 60_000_000_000, memory: 512 * 1024, vda_read: 1, vda_write_req: 4 });
  });

  it('is admin-only, 404 for an unknown server, 409 for a stopped one', async () => {
    expect((await fx.call('GET', `/compute/v2.1/servers/${id}/diagnostics`)).statusCode).toBe(403);
    expect((await fx.call('GET', '/compute/v2.1/servers/00000000-0000-4000-8000-000000000000/diagnostics', { as: 'admin' })).statusCode).toBe(404);
    await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body: { 'os-stop': null } });
    expect((await fx.call('GET', `/compute/v2.1/servers/${id}/diagnostics`, { as: 'admin' })).statusCode).toBe(409);
  });
});

describe('trigger_crash_dump', () => {
  const act = (body: unknown, version = '2.17') => fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body, version });
  it('from 2.17, with a null argument; the owning cell records the action', async () => {
    expect((await act({ trigger_crash_dump: null }, '2.16')).statusCode).toBe(400);
    expect((await act({ trigger_crash_dump: {} })).statusCode).toBe(400);
    expect((await act({ trigger_crash_dump: null })).statusCode).toBe(202);
    expect(fx.cells.actionLog.get(id)!.map((a) => a.action)).toContain('trigger_crash_dump');
  });
});

describe('createImage', () => {
  it('a second snapshot while the first image is still saving is 409', async () => {
    const first = await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body: { createImage: { name: 'one' } } });
    expect(first.statusCode).toBe(202);
    const img = fx.store.images.all().find((i) => i.name === 'one')!;
    img.status = 'saving';
    const second = await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body: { createImage: { name: 'two' } } });
    expect(second.statusCode).toBe(409);
    img.status = 'active';
    expect((await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body: { createImage: { name: 'three' } } })).statusCode).toBe(202);
  });
});

describe('FakeDriver diagnostics and crash dumps', () => {
  it('sizes the figures from the flavor, counts uptime on the clock; the NMI crashes the guest', async () => {
    const clock = new VirtualClock();
    const driver = new FakeDriver({ clock, rng: new SeededRng('d').stream('fake'), spawnTimeMs: 0 });
    await driver.init('h1');
    const uuid = '11111111-1111-4111-8111-111111111111';
    await driver.spawn({
      instance: { uuid, name: 'g', hostname: 'g', vcpus: 2, memoryMb: 1024, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
      image: { id: 'img', properties: {} }, networkInfo: [], reqId: 'req-1',
    } as unknown as Parameters<FakeDriver['spawn']>[0]);
    await clock.advance(90_000);
    const d = await driver.getDiagnostics(uuid);
    expect(d).toMatchObject({ num_cpus: 2, uptime: 90, memory_details: { maximum: 1024 } });
    expect(legacyDiagnostics(d)).toMatchObject({ cpu0_time: 90_000_000_000, cpu1_time: 90_000_000_000 });
    await driver.triggerCrashDump(uuid);
    expect((await driver.getInfo(uuid)).state).toBe(6);
    await expect(driver.getDiagnostics(uuid)).rejects.toThrow(/get_diagnostics/);
  });
});

describe('unshelve to a host (2.91)', () => {
  const act = (body: unknown, o: { as?: 'admin' | 'demo'; version?: string } = {}) =>
    fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body, as: o.as ?? 'admin', version: o.version ?? '2.91' });
  it('admin-only, only for an offloaded server, a known compute host; not before 2.91', async () => {
    await act({ shelve: null });
    expect((await act({ unshelve: { host: 'host-b' } }, { version: '2.90' })).statusCode).toBe(400);
    expect((await act({ unshelve: { host: 'host-b' } }, { as: 'demo' })).statusCode).toBe(403);
    expect((await act({ unshelve: { host: 'nowhere' } })).statusCode).toBe(400);
    expect((await act({ unshelve: { host: 'host-b', availability_zone: null } })).statusCode).toBe(202);
    expect(fx.cells.actionLog.get(id)!.map((a) => a.action)).toContain('unshelve');
  });
});
