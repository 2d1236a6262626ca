/** FakeDriver power-state machine: the lifecycle the compute manager drives, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { InstanceInvalidState, InstanceNotFound } from '../../../../../runtime/errors/index.ts';
import { PowerState, type LifecycleEvent } from '../../../../../actors/compute/drivers/index.ts';
import { makeDriver, spawnCtx } from './helpers.ts';

const A = '11111111-1111-4111-8111-111111111111';
const UNKNOWN = '99999999-9999-4999-8999-999999999999';

async function state(driver: Awaited<ReturnType<typeof makeDriver>>['driver'], uuid = A): Promise<PowerState> {
  return (await driver.getInfo(uuid)).state;
}

describe('FakeDriver lifecycle', () => {
  it('walks spawn → reboot → power off/on → pause/unpause → suspend/resume → destroy', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    expect(await state(driver)).toBe(PowerState.RUNNING);

    await driver.reboot(A, 'SOFT');
    expect(await state(driver)).toBe(PowerState.RUNNING);
    await driver.reboot(A, 'HARD');
    expect(await state(driver)).toBe(PowerState.RUNNING);

    await driver.powerOff(A, 60);
    expect(await state(driver)).toBe(PowerState.SHUTDOWN);
    await driver.powerOn(A);
    expect(await state(driver)).toBe(PowerState.RUNNING);

    await driver.pause(A);
    expect(await state(driver)).toBe(PowerState.PAUSED);
    await driver.unpause(A);
    expect(await state(driver)).toBe(PowerState.RUNNING);

    await driver.suspend(A);
    expect(await state(driver)).toBe(PowerState.SUSPENDED);
    await driver.resume(A);
    expect(await state(driver)).toBe(PowerState.RUNNING);

    await driver.destroy(A);
    expect(await driver.listInstanceUuids()).toEqual([]);
    await expect(driver.getInfo(A)).rejects.toBeInstanceOf(InstanceNotFound);
  });

  it('refuses operations the power state does not allow, with Nova\'s message', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await expect(driver.unpause(A)).rejects.toThrow(
      `Instance ${A} in power_state running. Cannot unpause while the instance is in this state.`,
    );
    await expect(driver.resume(A)).rejects.toBeInstanceOf(InstanceInvalidState);

    await driver.powerOff(A);
    await expect(driver.pause(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    await expect(driver.suspend(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    await expect(driver.reboot(A, 'SOFT')).rejects.toBeInstanceOf(InstanceInvalidState);

    await driver.powerOn(A);
    await driver.pause(A);
    await expect(driver.pause(A)).rejects.toThrow('in power_state paused. Cannot pause');
    await expect(driver.suspend(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    await expect(driver.powerOn(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    expect(await state(driver)).toBe(PowerState.PAUSED);
  });

  it('treats power off of a stopped guest and power on of a running one as done (power-state sync repeats them)', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await driver.powerOn(A);
    expect(await state(driver)).toBe(PowerState.RUNNING);
    await driver.powerOff(A);
    await driver.powerOff(A);
    expect(await state(driver)).toBe(PowerState.SHUTDOWN);
  });

  it('hard reboot recovers a guest from any state; soft reboot needs it running', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    for (const stop of [() => driver.pause(A), () => driver.suspend(A), () => driver.powerOff(A), async () => driver.crashGuest(A)]) {
      await stop();
      await expect(driver.reboot(A, 'SOFT')).rejects.toBeInstanceOf(InstanceInvalidState);
      await driver.reboot(A, 'HARD');
      expect(await state(driver)).toBe(PowerState.RUNNING);
    }
  });

  it('rescue keeps the guest running in rescue mode until unrescue', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await driver.rescue(A, { image: { id: 'img-rescue', properties: {} } });
    expect(await state(driver)).toBe(PowerState.RUNNING);
    expect(driver.guest(A)?.rescued).toBe(true);
    expect(await driver.getConsoleOutput(A)).toContain('Rescue image img-rescue');
    await expect(driver.pause(A)).rejects.toThrow('in vm_state rescued. Cannot pause');
    await expect(driver.powerOff(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    await expect(driver.rescue(A)).rejects.toBeInstanceOf(InstanceInvalidState);

    await driver.unrescue(A);
    expect(driver.guest(A)?.rescued).toBe(false);
    expect(await state(driver)).toBe(PowerState.RUNNING);
    await expect(driver.unrescue(A)).rejects.toThrow(`Instance ${A} is not in rescue mode.`);
  });

  it('snapshots a stopped guest but not a crashed one', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await driver.powerOff(A);
    await driver.snapshot(A, 'snap-1');
    expect(driver.guest(A)?.snapshots).toEqual(['snap-1']);
    await driver.powerOn(A);
    driver.crashGuest(A);
    await expect(driver.snapshot(A, 'snap-2')).rejects.toThrow('in power_state crashed');
  });

  it('raises InstanceNotFound for every operation on an unknown uuid, but destroy succeeds', async () => {
    const { driver } = await makeDriver();
    const ops: Array<() => Promise<unknown>> = [
      () => driver.getInfo(UNKNOWN),
      () => driver.reboot(UNKNOWN, 'HARD'),
      () => driver.powerOff(UNKNOWN),
      () => driver.powerOn(UNKNOWN),
      () => driver.pause(UNKNOWN),
      () => driver.unpause(UNKNOWN),
      () => driver.suspend(UNKNOWN),
      () => driver.resume(UNKNOWN),
      () => driver.rescue(UNKNOWN),
      () => driver.unrescue(UNKNOWN),
      () => driver.snapshot(UNKNOWN, 'img'),
      () => driver.getConsoleOutput(UNKNOWN),
      () => driver.getVncConsole(UNKNOWN),
      () => driver.getSpiceConsole(UNKNOWN),
      () => driver.getSerialConsole(UNKNOWN),
    ];
    for (const op of ops) {
      await expect(op()).rejects.toThrow(`Instance ${UNKNOWN} could not be found.`);
    }
    await expect(driver.destroy(UNKNOWN)).resolves.toBeUndefined();
  });

  it('reports guest-initiated changes through getInfo and lifecycle events', async () => {
    const { driver, clock } = await makeDriver();
    const events: LifecycleEvent[] = [];
    driver.registerEventListener((e) => events.push(e));
    await driver.spawn(spawnCtx(A));
    await driver.pause(A);
    await driver.unpause(A);
    driver.shutdownGuest(A);
    expect(await state(driver)).toBe(PowerState.SHUTDOWN);
    await driver.powerOn(A);
    driver.crashGuest(A);
    expect(await state(driver)).toBe(PowerState.CRASHED);
    await driver.destroy(A);
    expect(events.map((e) => e.transition)).toEqual(['STARTED', 'PAUSED', 'RESUMED', 'STOPPED', 'STARTED', 'STOPPED']);
    expect(events.every((e) => e.instanceUuid === A && e.timestamp === clock.now())).toBe(true);
  });

  it('keeps its state when a lifecycle listener throws', async () => {
    const { driver } = await makeDriver();
    driver.registerEventListener(() => {
      throw new Error('listener bug');
    });
    await driver.spawn(spawnCtx(A));
    await driver.pause(A);
    expect(await state(driver)).toBe(PowerState.PAUSED);
  });

  it('builds a stopped guest when asked not to power on', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A, {}, { powerOn: false }));
    expect(await state(driver)).toBe(PowerState.SHUTDOWN);
    expect(await driver.getConsoleOutput(A)).toBe('');
  });
});
