/**
 * FakeDriver with a state directory: guests outlive the driver (a new one on the same directory finds
 * them with their power state, console log, snapshots and console slot), a guest still building is not
 * kept, a deleted one is gone, the file is 0600 in a 0700 directory, and a corrupt file is an error.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PowerState } from '../../../../../actors/compute/drivers/index.ts';
import { HOST, makeDriver, spawnCtx } from './helpers.ts';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fake-state-'));
  dirs.push(d);
  return join(d, 'fake-hypervisor');
}

describe('FakeDriver state file', () => {
  it('a driver restarted on the same directory finds its guests as they were', async () => {
    const dir = stateDir();
    const { driver: first } = await makeDriver({ stateDir: dir });
    await first.spawn(spawnCtx(A));
    await first.spawn(spawnCtx(B));
    await first.powerOff(B);
    await first.snapshot(A, 'snap-1');
    await first.reboot(A, 'SOFT');
    const consoleBefore = await first.getConsoleOutput(A);

    const { driver: second } = await makeDriver({ stateDir: dir });
    expect(await second.listInstanceUuids()).toEqual([A, B]);
    expect((await second.getInfo(A)).state).toBe(PowerState.RUNNING);
    expect((await second.getInfo(B)).state).toBe(PowerState.SHUTDOWN);
    expect(second.guest(A)?.snapshots).toEqual(['snap-1']);
    expect(await second.getConsoleOutput(A)).toBe(consoleBefore);
    const r = await second.getAvailableResource(HOST);
    expect(r.vcpus_used).toBe(4);
    // Power actions work on the guests found: B starts, A stops.
    await second.powerOn(B);
    await second.powerOff(A);
    const { driver: third } = await makeDriver({ stateDir: dir });
    expect((await third.getInfo(A)).state).toBe(PowerState.SHUTDOWN);
    expect((await third.getInfo(B)).state).toBe(PowerState.RUNNING);
  });

  it('does not keep a guest that was still building, and forgets a destroyed one', async () => {
    const dir = stateDir();
    const { driver, clock } = await makeDriver({ stateDir: dir, spawnTimeMs: 1000 });
    const building = driver.spawn(spawnCtx(C));
    building.catch(() => undefined);
    await clock.advance(10);
    expect((await driver.getInfo(C)).state).toBe(PowerState.NOSTATE);
    const { driver: after } = await makeDriver({ stateDir: dir });
    expect(await after.listInstanceUuids()).toEqual([]);

    await clock.advance(1000);
    await building;
    await driver.destroy(C);
    const { driver: afterDelete } = await makeDriver({ stateDir: dir });
    expect(await afterDelete.listInstanceUuids()).toEqual([]);
  });

  it('reuses no console slot a kept guest holds', async () => {
    const dir = stateDir();
    const { driver: first } = await makeDriver({ stateDir: dir });
    await first.spawn(spawnCtx(A));
    await first.spawn(spawnCtx(B));
    await first.destroy(A);
    const { driver: second } = await makeDriver({ stateDir: dir });
    await second.spawn(spawnCtx(C));
    const saved = JSON.parse(readFileSync(join(dir, `${HOST}.json`), 'utf8')) as { guests: Array<{ uuid: string; slot: number }> };
    expect(saved.guests.map((g) => [g.uuid, g.slot])).toEqual([[B, 1], [C, 0]]);
  });

  it('writes the file 0600 in a 0700 directory', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    expect(statSync(join(dir, `${HOST}.json`)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses to start on a corrupt state file instead of reporting an empty host', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    writeFileSync(join(dir, `${HOST}.json`), '{"version":1,"host":"x","guests":[{"uuid":');
    await expect(makeDriver({ stateDir: dir })).rejects.toThrow(/state file .* is unreadable/);
  });
});
