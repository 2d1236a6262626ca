/**
 * FakeDriver with a state directory: guests outlive the driver (a new one on the same directory finds
 * them with their power state, console log, snapshots and console slot), a guest still building is not
 * kept, a deleted one is gone, the files are 0600 in a 0700 directory, and a corrupt file is an error.
 * The journal: one line per change (not a rewrite of every guest), compacted into the snapshot as it
 * grows; a torn last line is dropped (and cut off before the next append); a stale journal left by a
 * compaction cut short is ignored; a garbled line inside it is an error.
 */
import { appendFileSync, closeSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PowerState } from '../../../../../actors/compute/drivers/index.ts';
import { FakeStateFile, fakeStateFile } from '../../../../../actors/compute/drivers/fake-state.ts';
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
    const saved = new FakeStateFile(fakeStateFile(dir, HOST)).load();
    expect(saved.map((g) => [g.uuid, g.slot])).toEqual([[B, 1], [C, 0]]);
  });

  it('writes the files 0600 in a 0700 directory', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    expect(statSync(journal(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await cycle(driver, A, 200); // past a compaction: the snapshot too
    expect(statSync(snapshot(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(journal(dir)).mode & 0o777).toBe(0o600);
  });

  it('appends one line per change, not every guest', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await driver.spawn(spawnCtx(B));
    const before = readFileSync(journal(dir), 'utf8').split('\n').length;
    await driver.powerOff(B);
    const lines = readFileSync(journal(dir), 'utf8').split('\n');
    expect(lines.length).toBe(before + 1);
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ put: { uuid: B, state: PowerState.SHUTDOWN } });
    await driver.destroy(A);
    expect(JSON.parse(readFileSync(journal(dir), 'utf8').split('\n').at(-2)!)).toEqual({ del: A });
  });

  it('compacts the journal into the snapshot as it grows, and restarts from both', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await driver.spawn(spawnCtx(B));
    await driver.spawn(spawnCtx(C));
    await driver.destroy(C);
    await cycle(driver, A, 400);
    await driver.powerOff(B);
    const snap = JSON.parse(readFileSync(snapshot(dir), 'utf8')) as { gen: number; guests: unknown[] };
    expect(snap.gen).toBeGreaterThanOrEqual(2);
    // Bounded: the journal never holds much more than the floor the compaction waits for.
    expect(statSync(journal(dir)).size).toBeLessThan(80 * 1024);
    const { driver: again } = await makeDriver({ stateDir: dir });
    expect(await again.listInstanceUuids()).toEqual([A, B]);
    expect((await again.getInfo(A)).state).toBe(PowerState.RUNNING);
    expect((await again.getInfo(B)).state).toBe(PowerState.SHUTDOWN);
    expect(await again.getConsoleOutput(A)).toBe(await driver.getConsoleOutput(A));
  });

  it('ignores a journal older than the snapshot (a compaction cut short before the journal restarted)', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await driver.spawn(spawnCtx(B));
    const old = join(dir, 'old-journal');
    copyFileSync(journal(dir), old); // generation 0: A and B running
    await driver.destroy(B);
    await cycle(driver, A, 200);
    await driver.powerOff(A);
    copyFileSync(old, journal(dir)); // as if killed between the snapshot's rename and the journal's reset
    rmSync(old);
    const { driver: again } = await makeDriver({ stateDir: dir });
    expect(await again.listInstanceUuids()).toEqual([A]);
    expect((await again.getInfo(A)).state).toBe(PowerState.SHUTDOWN);
    // …and the stale journal is replaced: a change after the restart survives the next one.
    await again.powerOn(A);
    const { driver: third } = await makeDriver({ stateDir: dir });
    expect((await third.getInfo(A)).state).toBe(PowerState.RUNNING);
  });

  it('drops a torn last journal line and cuts it off before appending', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await driver.spawn(spawnCtx(B));
    await driver.powerOff(B);
    appendFileSync(journal(dir), '{"put":{"uuid":"3333'); // a write cut short by a crash
    const { driver: again } = await makeDriver({ stateDir: dir });
    expect(await again.listInstanceUuids()).toEqual([A, B]);
    expect((await again.getInfo(B)).state).toBe(PowerState.SHUTDOWN);
    await again.powerOn(B);
    expect(readFileSync(journal(dir), 'utf8')).not.toContain('"uuid":"3333');
    const { driver: third } = await makeDriver({ stateDir: dir });
    expect(await third.listInstanceUuids()).toEqual([A, B]);
    expect((await third.getInfo(B)).state).toBe(PowerState.RUNNING);
  });

  it('a torn journal header alone (killed while starting the journal) is an empty journal', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    writeFileSync(journal(dir), '{"version":1,"ho');
    const { driver: again } = await makeDriver({ stateDir: dir });
    expect(await again.listInstanceUuids()).toEqual([]);
    await again.spawn(spawnCtx(B));
    const { driver: third } = await makeDriver({ stateDir: dir });
    expect(await third.listInstanceUuids()).toEqual([B]);
  });

  it('after a failed write, the next one compacts every guest (nothing lost stays lost)', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await driver.spawn(spawnCtx(B));
    // The journal's descriptor goes bad under the driver: B's change cannot be appended.
    const file = (driver as unknown as { stateFile: { fd: number } }).stateFile;
    const fd = file.fd;
    file.fd = 1_000_000_000;
    await expect(driver.powerOff(B)).rejects.toThrow();
    await driver.powerOff(A);
    const { driver: again } = await makeDriver({ stateDir: dir });
    expect(await again.listInstanceUuids()).toEqual([A, B]);
    expect((await again.getInfo(A)).state).toBe(PowerState.SHUTDOWN);
    expect((await again.getInfo(B)).state).toBe(PowerState.SHUTDOWN);
    expect(statSync(journal(dir)).mode & 0o777).toBe(0o600);
    closeSync(fd);
  });

  it('refuses to start on a garbled journal line that is not the last', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    const lines = readFileSync(journal(dir), 'utf8').split('\n');
    lines.splice(1, 0, '{"put":{"uuid":12}}');
    writeFileSync(journal(dir), lines.join('\n'));
    await expect(makeDriver({ stateDir: dir })).rejects.toThrow(/journal .* is unreadable: line 2/);
  });

  it('refuses a journal that follows a newer snapshot than the one on disk', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await cycle(driver, A, 200);
    expect(existsSync(snapshot(dir))).toBe(true);
    rmSync(snapshot(dir));
    await expect(makeDriver({ stateDir: dir })).rejects.toThrow(/journal .* is unreadable: it follows generation/);
  });

  it('refuses to start on a corrupt state file instead of reporting an empty host', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    await cycle(driver, A, 200);
    writeFileSync(snapshot(dir), '{"version":1,"host":"x","guests":[{"uuid":');
    await expect(makeDriver({ stateDir: dir })).rejects.toThrow(/state file .* is unreadable/);
  });

  it('reads a state file written before the journal (no generation)', async () => {
    const dir = stateDir();
    const { driver } = await makeDriver({ stateDir: dir });
    await driver.spawn(spawnCtx(A));
    const guests = new FakeStateFile(fakeStateFile(dir, HOST)).load().map((g) => ({ ...g, console: g.console.toJSON(), abortBuild: undefined }));
    writeFileSync(snapshot(dir), JSON.stringify({ version: 1, host: HOST, guests }));
    rmSync(journal(dir));
    const { driver: again } = await makeDriver({ stateDir: dir });
    expect(await again.listInstanceUuids()).toEqual([A]);
    await again.powerOff(A);
    const { driver: third } = await makeDriver({ stateDir: dir });
    expect((await third.getInfo(A)).state).toBe(PowerState.SHUTDOWN);
  });
});

function snapshot(dir: string): string {
  return join(dir, `${HOST}.json`);
}
function journal(dir: string): string {
  return join(dir, `${HOST}.journal`);
}
/** `n` power-off/power-on pairs: 2n journal lines. */
async function cycle(driver: Awaited<ReturnType<typeof makeDriver>>['driver'], uuid: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await driver.powerOff(uuid);
    await driver.powerOn(uuid);
  }
}
