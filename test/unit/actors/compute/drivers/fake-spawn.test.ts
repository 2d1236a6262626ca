/** FakeDriver spawn: build time on the virtual clock and injected failures, deterministic per seed. */
import { describe, expect, it } from 'vitest';
import { HypervisorError, InstanceNotFound } from '../../../../../runtime/errors/index.ts';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { FakeDriver, InstanceExists, PowerState } from '../../../../../actors/compute/drivers/index.ts';
import { HOST, makeDriver, spawnCtx, track } from './helpers.ts';

const uuid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const A = uuid(1);

/** Spawn `n` guests one after another; returns which ones failed. */
async function failures(driver: Awaited<ReturnType<typeof makeDriver>>['driver'], n: number): Promise<number[]> {
  const failed: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await driver.spawn(spawnCtx(uuid(i)));
    } catch (err) {
      expect(err).toBeInstanceOf(HypervisorError);
      failed.push(i);
    }
  }
  return failed;
}

describe('FakeDriver spawn time', () => {
  it('does not finish before spawnTimeMs of virtual time and finishes once it has passed', async () => {
    const { driver, clock } = await makeDriver({ spawnTimeMs: 30_000 });
    const spawn = track(driver.spawn(spawnCtx(A)));

    await clock.advance(29_999);
    expect(spawn.settled()).toBe(false);
    expect((await driver.getInfo(A)).state).toBe(PowerState.NOSTATE);
    expect(await driver.listInstanceUuids()).toEqual([A]);

    await clock.advance(1);
    await spawn.result;
    expect(spawn.settled()).toBe(true);
    expect((await driver.getInfo(A)).state).toBe(PowerState.RUNNING);
  });

  it('resolves without scheduling a timer when the spawn time is 0', async () => {
    const { driver, clock } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    expect(clock.pending()).toBe(0);
    expect((await driver.getInfo(A)).state).toBe(PowerState.RUNNING);
  });

  it('draws the spawn time per spawn when given a function', async () => {
    const times = [1000, 5000];
    const { driver, clock } = await makeDriver({ spawnTimeMs: () => times.shift() ?? 0 });
    const first = track(driver.spawn(spawnCtx(uuid(1))));
    const second = track(driver.spawn(spawnCtx(uuid(2))));
    await clock.advance(1000);
    expect([first.settled(), second.settled()]).toEqual([true, false]);
    await clock.advance(4000);
    expect(second.settled()).toBe(true);
  });

  it('rejects a negative spawn time', async () => {
    const { driver } = await makeDriver({ spawnTimeMs: () => -1 });
    await expect(driver.spawn(spawnCtx(A))).rejects.toBeInstanceOf(RangeError);
    expect(await driver.listInstanceUuids()).toEqual([]);
  });

  it('aborts the build with InstanceNotFound when the guest is destroyed while building', async () => {
    const { driver, clock } = await makeDriver({ spawnTimeMs: 10_000 });
    const spawn = track(driver.spawn(spawnCtx(A)));
    await clock.advance(5_000);
    await driver.destroy(A);
    await expect(spawn.result).rejects.toBeInstanceOf(InstanceNotFound);
    expect(clock.pending()).toBe(0);
    expect(await driver.listInstanceUuids()).toEqual([]);
  });

  it('abandons builds on cleanup but keeps running guests for the restarted service', async () => {
    const { driver, clock } = await makeDriver({ spawnTimeMs: 10_000 });
    const running = track(driver.spawn(spawnCtx(uuid(1))));
    await clock.advance(10_000);
    await running.result;
    const building = track(driver.spawn(spawnCtx(uuid(2))));
    await driver.cleanup();
    await expect(building.result).rejects.toThrow(/abandoned/);
    expect(clock.pending()).toBe(0);
    await expect(driver.spawn(spawnCtx(uuid(3)))).rejects.toThrow(/not initialised/);

    await driver.init(HOST);
    expect(await driver.listInstanceUuids()).toEqual([uuid(1)]);
    expect((await driver.getInfo(uuid(1))).state).toBe(PowerState.RUNNING);
  });

  it('refuses a second spawn of the same uuid with InstanceExists', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await expect(driver.spawn(spawnCtx(A))).rejects.toBeInstanceOf(InstanceExists);
    expect((await driver.getInfo(A)).state).toBe(PowerState.RUNNING);
  });
});

describe('FakeDriver spawn failures', () => {
  it('never fails at failureRate 0 and always fails at failureRate 1', async () => {
    expect(await failures((await makeDriver({ failureRate: 0 })).driver, 50)).toEqual([]);
    const { driver } = await makeDriver({ failureRate: 1 });
    expect(await failures(driver, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(await driver.listInstanceUuids()).toEqual([]);
  });

  it('fails the same spawns for the same seed and different ones for another seed', async () => {
    const run = async (seed: string): Promise<number[]> => failures((await makeDriver({ failureRate: 0.3 }, seed)).driver, 200);
    const a = await run('seed-a');
    expect(await run('seed-a')).toEqual(a);
    expect(await run('seed-b')).not.toEqual(a);
    // Roughly the configured share fails (binomial, n=200, p=0.3: well within 30..90).
    expect(a.length).toBeGreaterThan(30);
    expect(a.length).toBeLessThan(90);
  });

  it('leaves the rng stream untouched when failureRate is 0', async () => {
    const rng = new SeededRng('s').stream('x');
    const driver = new FakeDriver({ clock: new VirtualClock(), rng, failureRate: 0 });
    await driver.init(HOST);
    await failures(driver, 3);
    expect(rng.next()).toBe(new SeededRng('s').stream('x').next());
  });

  it('fails every spawn on a broken hypervisor, after the build time, cleaning up the guest', async () => {
    const { driver, clock } = await makeDriver({ failSpawn: true, spawnTimeMs: 2_000 });
    const spawn = track(driver.spawn(spawnCtx(A)));
    await clock.advance(1_999);
    expect(spawn.settled()).toBe(false);
    await clock.advance(1);
    await expect(spawn.result).rejects.toThrow(`Failed to spawn instance ${A} on ${HOST}: the hypervisor is broken (failSpawn).`);
    expect(await driver.listInstanceUuids()).toEqual([]);
    expect((await driver.getAvailableResource(HOST)).vcpus_used).toBe(0);
  });

  it('rejects a failure rate outside [0, 1]', async () => {
    await expect(makeDriver({ failureRate: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(makeDriver({ failureRate: -0.1 })).rejects.toBeInstanceOf(RangeError);
  });
});
