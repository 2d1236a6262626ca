/**
 * Nova's power-state sync through one cell (compute manager, conductor, FakeDriver on the in-memory
 * bus): a guest that powers itself off is recorded stopped as soon as the driver's lifecycle event
 * arrives; a crash likewise; a report while a task runs is ignored; a guest powered back on by the
 * hypervisor only updates power_state (Nova does not restart a stopped server's record); the STOPPED
 * event of a guest the host is deleting itself sets off no sync (no lookup of a guest already gone).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { MemoryHub } from '../../runtime/bus/index.ts';
import { SingleCell } from '../../cells/single-cell.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import { syncInstancePowerState } from '../../actors/conductor/tasks/power-sync.ts';
import { until } from '../support/waits.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-sync' };
let cell: SingleCell | undefined;

afterEach(async () => {
  await cell?.stop();
  cell = undefined;
});

async function start() {
  const clock = new RealClock();
  cell = await SingleCell.start({
    name: 'c1', transport: { kind: 'memory', hub: new MemoryHub() }, db: { file: ':memory:' },
    hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100 }],
    clock, rng: new SeededRng('sync'), config: novaConfig(), log: createLogger({}, 'silent'),
  });
  const c = cell;
  await until('host registered', () => c.services.ctx.hostManager.hosts().length === 1);
  const { instanceUuids: [uuid] } = await c.api.create({ name: 'vm', flavor: tiny, image: { id: 'img', properties: {} } }, ctx);
  const state = async () => {
    const i = await c.api.get(uuid!, ctx);
    return `${i.vmState}/${i.taskState ?? '-'}/${i.powerState}`;
  };
  await until('ACTIVE', async () => (await state()) === 'active/-/1');
  return { c, uuid: uuid!, state, driver: c.compute.driverOf('h1') as FakeDriver };
}

describe('power-state sync', () => {
  it('a guest that powers itself off ends stopped (SHUTOFF) from its lifecycle event', async () => {
    const { uuid, state, driver } = await start();
    driver.shutdownGuest(uuid);
    await until('stopped', async () => (await state()) === 'stopped/-/4', 10_000);
  });

  it('a crashed guest is stopped with power_state crashed; the periodic sync reports nothing new', async () => {
    const { c, uuid, state, driver } = await start();
    driver.crashGuest(uuid);
    await until('stopped', async () => (await state()) === 'stopped/-/6', 10_000);
    c.compute.each('syncPowerStates');
    await c.compute.driverOf('h1')!.powerOn(uuid);
    c.compute.each('syncPowerStates');
    await until('power state running, vm_state still stopped', async () => (await state()) === 'stopped/-/1', 10_000);
  });

  it('ignores reports while a task is under way, and reports from another host', async () => {
    const { c, uuid, state } = await start();
    const sctx = c.services.ctx;
    sctx.store.update(uuid, { taskState: 'powering-off' });
    await syncInstancePowerState(sctx, { uuid, host: 'h1', powerState: 4 });
    expect(await state()).toBe('active/powering-off/1');
    sctx.store.update(uuid, { taskState: null });
    await syncInstancePowerState(sctx, { uuid, host: 'other', powerState: 4 });
    expect(await state()).toBe('active/-/1');
  });

  it('a delete does not sync the guest it is destroying (its STOPPED event is the host\'s own doing)', async () => {
    const { c, uuid, driver } = await start();
    const askedAfterGone: string[] = [];
    const getInfo = driver.getInfo.bind(driver);
    driver.getInfo = (u: string) => {
      if (!driver.guest(u)) askedAfterGone.push(u);
      return getInfo(u);
    };
    await c.api.delete(uuid, ctx);
    await until('deleted', async () => (await c.api.get(uuid, ctx).then(() => false, () => true)), 10_000);
    // The event fires inside destroy, and a sync asks the driver at once: both are over by now.
    expect(askedAfterGone).toEqual([]);
  });
});
