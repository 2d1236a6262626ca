/**
 * Nova's init_host after a restart of a whole cell (conductor and compute host) on the same SQLite
 * file and fake-hypervisor state directory: servers come back as they were and answer power actions;
 * what changed on the hypervisor while the cell was down is reconciled in both directions — a guest
 * found powered off is recorded stopped with a `stop` action by the sync, a vanished guest gets
 * power_state NOSTATE, a stop under way when the cell died is finished, a reboot under way is sent
 * again, a build dispatched and never answered is sent again and ends ACTIVE once; the scheduler's host
 * state counts the servers' usage again as soon as the node re-registers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { MemoryHub } from '../../runtime/bus/index.ts';
import { SingleCell, type FakeHostSpec } from '../../cells/single-cell.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import { FakeStateFile } from '../../actors/compute/drivers/fake-state.ts';
import { SYNC_POWER_STATE_EVENT } from '../../actors/conductor/tasks/power-sync.ts';
import { until } from '../support/waits.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-init-host' };
let cell: SingleCell | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await cell?.stop();
  cell = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dir: string, seed: string, spawnTimeMs = 0): Promise<SingleCell> {
  const clock = new RealClock();
  const c = await SingleCell.start({
    name: 'c1', transport: { kind: 'memory', hub: new MemoryHub() }, db: { file: join(dir, 'c1.sqlite') },
    hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100 }],
    clock, rng: new SeededRng(seed), config: novaConfig(), log: createLogger({}, 'silent'),
    driverFor: (h: FakeHostSpec) => new FakeDriver({
      clock, rng: new SeededRng(seed).stream(h.name), resources: { vcpus: h.vcpus, memoryMb: h.memoryMb, localGb: h.diskGb },
      spawnTimeMs, stateDir: join(dir, 'fake-hypervisor'),
    }),
  });
  await until('host registered', () => c.services.ctx.hostManager.hosts().length === 1);
  return c;
}

const state = async (c: SingleCell, uuid: string) => {
  const i = await c.api.get(uuid, ctx);
  return `${i.vmState}/${i.taskState ?? '-'}/${i.powerState}`;
};

describe('init_host after a restart on the same data', () => {
  it('keeps servers and reconciles what changed on the hypervisor in both directions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-host-'));
    dirs.push(dir);
    cell = await start(dir, 'one');
    const c1 = cell;
    const uuids: string[] = [];
    for (const name of ['kept', 'off', 'gone', 'stopping', 'rebooting']) {
      uuids.push(...(await c1.api.create({ name, flavor: tiny, image: { id: 'img', properties: {} } }, ctx)).instanceUuids);
    }
    const [kept, off, gone, stopping, rebooting] = uuids as [string, string, string, string, string];
    for (const u of uuids) await until(`${u} ACTIVE`, async () => (await state(c1, u)) === 'active/-/1');
    // Tasks under way when the cell dies: the compute host had powered `stopping` off but never said so.
    const sctx = c1.services.ctx;
    sctx.store.update(stopping, { taskState: 'powering-off' });
    sctx.store.update(rebooting, { taskState: 'rebooting' });
    await sctx.writer.commit();
    await c1.stop();
    cell = undefined;

    // While it was down: `off` and `stopping` powered off, `gone` vanished, and a stranger appeared.
    // (The driver's files: a snapshot and a journal of changes; written back here as one snapshot.)
    const file = join(dir, 'fake-hypervisor', 'h1.json');
    const saved = { version: 1, host: 'h1', guests: new FakeStateFile(file).load().map((g) => ({ ...g, console: g.console.toJSON() })) };
    expect(saved.guests.map((g) => g.uuid).sort()).toEqual([...uuids].sort());
    const stranger = { ...saved.guests.find((g) => g.uuid === kept)!, uuid: '99999999-9999-4999-8999-999999999999', slot: 9 };
    saved.guests = [...saved.guests.filter((g) => g.uuid !== gone), stranger];
    for (const g of saved.guests) if (g.uuid === off || g.uuid === stopping) g.state = 4;
    writeFileSync(file, JSON.stringify(saved));
    rmSync(join(dir, 'fake-hypervisor', 'h1.journal'), { force: true });

    cell = await start(dir, 'two');
    const c2 = cell;
    // The scheduler's host state (what the cell's capacity report is made of) counts the servers as soon
    // as the node is back: placement read their allocations before the node re-registered.
    const hs = c2.services.ctx.hostManager.hosts()[0]!;
    expect([hs.vcpusUsed, hs.memoryMbUsed, hs.localGbUsed, hs.numInstances]).toEqual([5, 5 * 512, 5, 5]);
    await until('reconciled', async () => (await state(c2, off)) === 'stopped/-/4' && (await state(c2, rebooting)) === 'active/-/1', 10_000);
    expect(await state(c2, kept)).toBe('active/-/1');
    expect(await state(c2, gone)).toBe('active/-/0');
    expect(await state(c2, stopping)).toBe('stopped/-/4');
    const offActions = await c2.services.ctx.store.actionsOf(off);
    expect(offActions.at(-1)).toMatchObject({ action: 'stop', userId: '', message: null });
    expect(offActions.at(-1)!.events.map((e) => [e.event, e.result])).toEqual([[SYNC_POWER_STATE_EVENT, 'Success']]);
    // The stranger is reported, not adopted.
    await expect(c2.api.get(stranger.uuid, ctx)).rejects.toThrow();

    // The servers found answer power actions as before.
    await c2.api.powerAction(kept, 'stop', ctx);
    await until('kept stopped', async () => (await state(c2, kept)) === 'stopped/-/4', 10_000);
    await c2.api.powerAction(off, 'start', ctx);
    await until('off started', async () => (await state(c2, off)) === 'active/-/1', 10_000);
    await c2.api.powerAction(rebooting, 'reboot', ctx);
    await until('rebooted', async () => (await state(c2, rebooting)) === 'active/-/1', 10_000);
    const driver = c2.compute.driverOf('h1') as FakeDriver;
    expect(driver.guest(kept)?.state).toBe(4);
    expect(driver.guest(off)?.state).toBe(1);
    expect((await c2.api.consoleOutput(off, undefined, ctx))).toMatch(/login:/);
  });

  it('sends a build that was dispatched but never answered again, and it ends ACTIVE once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-host-'));
    dirs.push(dir);
    cell = await start(dir, 'one', 60_000);
    const c1 = cell;
    const [uuid] = (await c1.api.create({ name: 'slow', flavor: tiny, image: { id: 'img', properties: {} } }, ctx)).instanceUuids as [string];
    await until('spawning on h1', async () => (await state(c1, uuid)) === 'building/spawning/0', 10_000);
    await c1.stop();
    cell = await start(dir, 'two', 0);
    const c2 = cell;
    await until('ACTIVE after the restart', async () => (await state(c2, uuid)) === 'active/-/1', 10_000);
    const create = (await c2.services.ctx.store.actionsOf(uuid)).filter((a) => a.action === 'create');
    expect(create).toHaveLength(1);
    expect(c2.services.ctx.placement.provider(c2.services.ctx.hostManager.hosts()[0]!.uuid)?.usages.VCPU).toBe(1);
    expect(await (c2.compute.driverOf('h1') as FakeDriver).listInstanceUuids()).toEqual([uuid]);
  });
});
