/**
 * Moves of an instance through one cell on the in-memory bus and a virtual clock (no sleeps):
 * cold migration with confirm and with revert (the source allocation held by the migration's uuid
 * meanwhile), resize to another host when the new flavor does not fit beside the old one, live
 * migration as a modelled transfer (and its abort), evacuation from a host forced down. Placement,
 * the hosts' guests and the Migration records are checked at every step.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock, settle } from '../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { MemoryHub } from '../../../../runtime/bus/index.ts';
import { ask } from '../../../../runtime/actor/index.ts';
import { SingleCell } from '../../../../cells/single-cell.ts';
import type { InstanceTask } from '../../../../actors/conductor/messages.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const big = { id: '3', name: 'm1.big', vcpus: 4, memoryMb: 6144, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'img', properties: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-mig' };

let cell: SingleCell | undefined;
let clock: VirtualClock;

async function advance(ms: number) {
  await clock.advance(ms);
  for (let i = 0; i < 30; i++) {
    await settle();
    await cell!.services.ctx.writer.commit();
  }
}

/** Two hosts of 8 GiB (7.5 GiB for guests after the reserve, ×1.5): a second m1.big does not fit beside the first. */
async function start(config = novaConfig()) {
  clock = new VirtualClock();
  cell = await SingleCell.start({
    name: 'mg', transport: { kind: 'memory', hub: new MemoryHub() }, db: { file: ':memory:' },
    hosts: [{ name: 'h1', vcpus: 8, memoryMb: 8192, diskGb: 100, spawnTimeMs: 0 }, { name: 'h2', vcpus: 8, memoryMb: 8192, diskGb: 100, spawnTimeMs: 0 }],
    clock, rng: new SeededRng('mg'), config, log: createLogger({}, 'silent'),
  });
  const c = cell;
  await advance(1);
  const { instanceUuids: [uuid] } = await c.api.create({ name: 'vm', flavor: tiny, image }, ctx);
  await advance(1);
  const task = (t: InstanceTask) => c.api.instanceTask(uuid!, t, ctx);
  const inst = () => c.api.get(uuid!, ctx);
  const allocations = (consumer: string) =>
    c.services.ctx.placement.allocationsOf(consumer).map((a) => `${c.services.ctx.hostManager.get(a.providerUuid)?.host}:${a.resources['MEMORY_MB']}`);
  const guests = async (host: string) => c.compute.driverOf(host)!.listInstanceUuids();
  const migrations = () => c.services.ctx.migrations.list({ instanceUuid: uuid! });
  return { c, uuid: uuid!, task, inst, allocations, guests, migrations };
}

afterEach(async () => {
  await cell?.stop();
  cell = undefined;
});

describe('cold migration', () => {
  it('moves to the other host; until confirmed the migration holds the source allocation; confirm drops it', async () => {
    const { uuid, task, inst, allocations, guests, migrations } = await start();
    const source = (await inst()).host!;
    const dest = source === 'h1' ? 'h2' : 'h1';
    await task({ kind: 'migrate', host: null });
    expect((await inst()).taskState).toBe('resize_migrating');
    const [m] = migrations();
    expect(m).toMatchObject({ migrationType: 'migration', sourceCompute: source, destCompute: dest, status: 'migrating' });
    expect(allocations(m!.uuid)).toEqual([`${source}:512`]);
    expect(allocations(uuid)).toEqual([`${dest}:512`]);
    await advance(1);
    expect(await inst()).toMatchObject({ vmState: 'resized', taskState: null, host: dest, powerState: 1 });
    expect(migrations()[0]!.status).toBe('finished');
    // Both guests exist until confirmed: the source one stopped.
    expect(await guests(source)).toEqual([uuid]);
    expect(await guests(dest)).toEqual([uuid]);
    await task({ kind: 'confirm_resize' });
    // Nova's `confirming` until the source host has removed its guest; its answer (from a host the
    // instance has left) is heard, and the migration ends `confirmed`.
    expect(migrations()[0]!.status).toBe('confirming');
    await advance(1);
    expect(await inst()).toMatchObject({ vmState: 'active', taskState: null, host: dest });
    expect(migrations()[0]!.status).toBe('confirmed');
    expect(allocations(m!.uuid)).toEqual([]);
    expect(allocations(uuid)).toEqual([`${dest}:512`]);
    expect(await guests(source)).toEqual([]);
    expect((await cell!.api.actions(uuid, ctx)).map((a) => [a.action, a.message ?? null])).toEqual([
      ['create', null], ['migrate', null], ['confirmResize', null],
    ]);
  });

  it('revert puts the instance back on the source with its allocation, and the destination guest goes', async () => {
    const { uuid, task, inst, allocations, guests, migrations } = await start();
    const source = (await inst()).host!;
    const dest = source === 'h1' ? 'h2' : 'h1';
    await task({ kind: 'migrate', host: dest });
    await advance(1);
    await task({ kind: 'revert_resize' });
    expect((await inst()).taskState).toBe('resize_reverting');
    await advance(1);
    expect(await inst()).toMatchObject({ vmState: 'active', taskState: null, host: source, powerState: 1 });
    expect(migrations()[0]!.status).toBe('reverted');
    expect(allocations(uuid)).toEqual([`${source}:512`]);
    expect(allocations(migrations()[0]!.uuid)).toEqual([]);
    expect(await guests(dest)).toEqual([]);
    expect(await guests(source)).toEqual([uuid]);
  });

  it('deleting a server in VERIFY_RESIZE frees both hosts: allocations and guests', async () => {
    const { uuid, task, inst, allocations, guests, migrations } = await start();
    const source = (await inst()).host!;
    const dest = source === 'h1' ? 'h2' : 'h1';
    await task({ kind: 'migrate', host: null });
    await advance(1);
    await cell!.api.delete(uuid, ctx);
    await advance(1);
    expect(allocations(uuid)).toEqual([]);
    expect(allocations(migrations()[0]!.uuid)).toEqual([]);
    expect(migrations()[0]!.status).toBe('error');
    expect(await guests(source)).toEqual([]);
    expect(await guests(dest)).toEqual([]);
  });

  it('refuses to migrate to the current host, to an unknown host, and in the wrong state', async () => {
    const { task, inst } = await start();
    const source = (await inst()).host!;
    await expect(task({ kind: 'migrate', host: source })).rejects.toMatchObject({ code: 409 });
    await expect(task({ kind: 'migrate', host: 'nowhere' })).rejects.toMatchObject({ code: 400 });
    await expect(task({ kind: 'confirm_resize' })).rejects.toMatchObject({ code: 409 });
  });

  it('resizes on the same host when it fits there, and to the other host when it does not', async () => {
    const { uuid, task, inst, allocations, migrations } = await start();
    const source = (await inst()).host!;
    const small = { ...tiny, id: '2', name: 'm1.small', memoryMb: 2048 };
    await task({ kind: 'resize', flavor: small });
    await advance(1);
    expect(await inst()).toMatchObject({ vmState: 'resized', host: source, flavor: { name: 'm1.small' } });
    // Both flavors held on the source until confirm (Nova's double allocation on a same-host resize).
    expect(allocations(migrations()[0]!.uuid)).toEqual([`${source}:512`]);
    expect(allocations(uuid)).toEqual([`${source}:2048`]);
    await task({ kind: 'confirm_resize' });
    await advance(1);
    expect(await inst()).toMatchObject({ vmState: 'active', host: source });
    // Fill the source so that m1.big cannot fit beside what is there.
    const filler = { ...tiny, id: '9', name: 'filler', memoryMb: 7000 };
    await cell!.api.create({ name: 'filler', flavor: filler, image, forceHosts: [source] }, ctx);
    await advance(1);
    await task({ kind: 'resize', flavor: big });
    await advance(1);
    const dest = source === 'h1' ? 'h2' : 'h1';
    expect(await inst()).toMatchObject({ vmState: 'resized', host: dest, flavor: { name: 'm1.big' } });
    expect(migrations().map((m) => [m.migrationType, m.status])).toEqual([['resize', 'confirmed'], ['resize', 'finished']]);
  });

  it('a resize with allow_resize_to_same_host false always moves', async () => {
    const config = novaConfig();
    config.DEFAULT.allow_resize_to_same_host = false;
    const { task, inst } = await start(config);
    const source = (await inst()).host!;
    await task({ kind: 'resize', flavor: { ...tiny, id: '2', name: 'm1.small', memoryMb: 1024 } });
    await advance(1);
    expect((await inst()).host).not.toBe(source);
  });
});

describe('live migration', () => {
  it('moves a running guest after the modelled transfer (512 MiB at 119 MiB/s ≈ 4.3 s), then drops the source allocation', async () => {
    const { uuid, task, inst, allocations, guests, migrations } = await start();
    const source = (await inst()).host!;
    const dest = source === 'h1' ? 'h2' : 'h1';
    await task({ kind: 'live_migrate', host: dest, blockMigration: 'auto' });
    expect((await inst()).taskState).toBe('migrating');
    await advance(1);
    expect(migrations()[0]).toMatchObject({ migrationType: 'live-migration', status: 'running', memoryTotalBytes: 512 * 1024 * 1024 });
    await advance(4_000);
    expect((await inst()).host).toBe(source);
    expect(await guests(source)).toEqual([uuid]);
    // The source reports the transfer every second: 4 s of the 4.3 s have crossed.
    const m = migrations()[0]!;
    expect(m.memoryProcessedBytes).toBe(Math.floor((512 * 1024 * 1024 * 4000) / 4303));
    expect(m.memoryRemainingBytes).toBe(512 * 1024 * 1024 - m.memoryProcessedBytes!);
    await advance(400);
    expect(await inst()).toMatchObject({ vmState: 'active', taskState: null, host: dest, powerState: 1 });
    expect(migrations()[0]!.status).toBe('completed');
    expect(allocations(uuid)).toEqual([`${dest}:512`]);
    expect(allocations(migrations()[0]!.uuid)).toEqual([]);
    expect(await guests(source)).toEqual([]);
    expect(await guests(dest)).toEqual([uuid]);
  });

  it('abort leaves the guest running on the source with its allocation; force-complete finishes at once', async () => {
    const { uuid, task, inst, allocations, guests, migrations } = await start();
    const source = (await inst()).host!;
    await task({ kind: 'live_migrate', host: null, blockMigration: 'auto' });
    await advance(1);
    await task({ kind: 'abort_migration', migrationId: migrations()[0]!.id });
    await advance(1);
    expect(migrations()[0]!.status).toBe('cancelled');
    expect(await inst()).toMatchObject({ vmState: 'active', taskState: null, host: source });
    expect(allocations(uuid)).toEqual([`${source}:512`]);
    expect(await guests(source === 'h1' ? 'h2' : 'h1')).toEqual([]);
    await task({ kind: 'live_migrate', host: null, blockMigration: 'auto' });
    await advance(1);
    const second = migrations()[1]!;
    await expect(task({ kind: 'abort_migration', migrationId: migrations()[0]!.id })).rejects.toMatchObject({ code: 409 });
    await task({ kind: 'force_complete', migrationId: second.id });
    await advance(1);
    expect(migrations()[1]!.status).toBe('completed');
    expect((await inst()).host).not.toBe(source);
  });
});

describe('evacuate', () => {
  it('is refused while the host is up, and rebuilds elsewhere once it is forced down', async () => {
    const { uuid, task, inst, allocations, guests, migrations } = await start();
    const source = (await inst()).host!;
    const dest = source === 'h1' ? 'h2' : 'h1';
    await expect(task({ kind: 'evacuate', host: null })).rejects.toThrow(/still in use/);
    await ask(cell!.services.conductor, 'updateService', { host: source, binary: 'nova-compute', forcedDown: true });
    await task({ kind: 'evacuate', host: null });
    expect((await inst()).taskState).toBe('rebuilding');
    await advance(1);
    expect(await inst()).toMatchObject({ vmState: 'active', taskState: null, host: dest });
    expect(migrations().map((m) => [m.migrationType, m.status, m.sourceCompute, m.destCompute])).toEqual([['evacuation', 'done', source, dest]]);
    expect(allocations(uuid)).toEqual([`${dest}:512`]);
    expect(await guests(dest)).toEqual([uuid]);
  });
});
