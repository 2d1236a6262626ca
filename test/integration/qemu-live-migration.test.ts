/**
 * Live migration between two QEMU driver hosts on this machine, with real QEMU (TCG): the source
 * mirrors the guest's local disk into the destination's NBD export and migrates its memory with QMP
 * `migrate` to a QEMU started with `-incoming`. What is checked is the guest's own word — the uptime
 * it prints on its serial console every 10 s goes on counting on the destination, with no new boot
 * banner, and the stamp it wrote on its disk on the source is what it reads (O_DIRECT) on the
 * destination — and the processes: the source QEMU gone, the destination's running. An aborted migration (host B is
 * configured with a tight live_migration_bandwidth so that the abort lands while memory is crossing)
 * leaves the guest running where it was, same process, and nothing on the other host.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../runtime/clock/index.ts';
import { HypervisorError } from '../../runtime/errors/index.ts';
import { PowerState } from '../../actors/compute/drivers/power-state.ts';
import type { LiveMigrationProgress } from '../../actors/compute/drivers/driver.ts';
import type { SpawnContext } from '../../actors/compute/drivers/spawn-context.ts';
import { BOOT_BANNER, QemuDriver } from '../../actors/compute/drivers/qemu/index.ts';
import { parseMigrateUri } from '../../actors/compute/drivers/qemu/live-migration.ts';
import { registerGuestImage } from '../support/guest-image.ts';
import { until } from '../support/waits.ts';

const clock = new RealClock();
const UUID = '22222222-3333-4444-8555-666666666601';
const UPTIME = /=== novacell uptime: (\d+(?:\.\d+)?) s/g;
const DISK = /=== novacell uptime: [\d.]+ s, disk: (.*?) ===/g;

let dir: string;
let a: QemuDriver;
let b: QemuDriver;
let spawnCtx: SpawnContext;

function newDriver(name: string, bandwidth?: number): QemuDriver {
  return new QemuDriver({
    clock, instancesPath: join(dir, name), imageStore: join(dir, 'images'), shutdownTimeoutS: 5, bootTimeoutS: 120,
    ...(bandwidth ? { liveMigrationBandwidthMiBps: bandwidth } : {}),
  });
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function uptimes(console: string): number[] {
  return [...console.matchAll(UPTIME)].map((m) => Number(m[1]));
}

/** The guest's latest uptime once it has printed one past `after`. */
async function uptimePast(d: QemuDriver, after: number): Promise<number> {
  return until(`an uptime past ${after} s`, async () => {
    const last = uptimes(await d.getConsoleOutput(UUID)).pop();
    return last !== undefined && last > after ? last : undefined;
  }, 60_000);
}

/** The disk stamp the guest printed with its latest uptime line (it reads its disk with O_DIRECT). */
async function diskStamp(d: QemuDriver): Promise<string> {
  const lines = [...(await d.getConsoleOutput(UUID)).matchAll(DISK)];
  return lines.at(-1)?.[1] ?? 'no uptime line';
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-livemig-'));
  const image = registerGuestImage(join(dir, 'images'));
  spawnCtx = {
    instance: {
      uuid: UUID, name: 'instance-lm', hostname: 'vm-lm', projectId: 'p', userId: 'u',
      vcpus: 1, memoryMb: 128, rootGb: 1, ephemeralGb: 0, swapMb: 0, metadata: {},
    },
    image, injectedFiles: [], adminPassword: null, blockDeviceInfo: null,
    networkInfo: [{
      id: 'port-1', address: 'fa:16:3e:00:00:09',
      network: { id: 'net', label: 'private', subnets: [{ cidr: '10.30.0.0/24', gateway: '10.30.0.1', ips: [{ address: '10.30.0.9' }] }] },
    }],
  };
  a = newDriver('host-a');
  b = newDriver('host-b', 2);
  await a.init('host-a');
  await b.init('host-b');
  await a.spawn(spawnCtx);
}, 240_000);

afterAll(async () => {
  for (const d of [a, b]) {
    await d?.destroy(UUID).catch(() => undefined);
    await d?.cleanup();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('QEMU live migration between two hosts', { timeout: 180_000 }, () => {
  it('moves the running guest: its uptime goes on on the destination, no new boot, its disk came along', async () => {
    const before = await uptimePast(a, 0);
    const stamp = await diskStamp(a);
    expect(stamp).toContain('NOVACELL-DISK first booted by');
    const sourcePid = a.guestProcess(UUID)!.pid;

    const { migrateUri } = await b.preLiveMigration(spawnCtx);
    const target = parseMigrateUri(migrateUri!);
    expect(target.migration.host).toBe('127.0.0.1');
    expect(target.nbd).not.toBeNull();
    const destPid = b.guestProcess(UUID)!.pid;
    expect(alive(destPid)).toBe(true);
    expect(readFileSync(`/proc/${destPid}/cmdline`, 'utf8').split('\0')).toContain('-incoming');

    const progress: LiveMigrationProgress[] = [];
    await a.liveMigration(UUID, { host: 'host-b', migrateUri, memoryMb: 128, onProgress: (p) => progress.push(p) });
    await b.postLiveMigrationAtDestination(spawnCtx);

    // Source: QEMU gone, files gone, the guest no longer listed.
    expect(alive(sourcePid)).toBe(false);
    expect(await a.listInstanceUuids()).toEqual([]);
    expect(existsSync(join(dir, 'host-a', UUID))).toBe(false);
    // Destination: the same QEMU process that waited for it now runs the guest.
    expect(b.guestProcess(UUID)!.pid).toBe(destPid);
    expect((await b.getInfo(UUID)).state).toBe(PowerState.RUNNING);
    // Progress: the disk mirrored first, then memory, ending with nothing remaining.
    expect(progress.some((p) => p.diskTotalBytes > 0 && p.memoryProcessedBytes === 0)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ memoryRemainingBytes: 0, diskRemainingBytes: 0 });
    expect(progress.at(-1)!.memoryTotalBytes).toBeGreaterThanOrEqual(128 * 1024 * 1024);

    // The guest's own word: it keeps counting from where it was, and never booted again.
    const after = await uptimePast(b, before);
    const destConsole = await b.getConsoleOutput(UUID);
    expect(destConsole).not.toMatch(new RegExp(BOOT_BANNER));
    expect(after).toBeGreaterThan(before);
    expect(await diskStamp(b)).toBe(stamp);
  });

  it('an aborted migration leaves the guest running on its host, same process, nothing on the other', async () => {
    const pid = b.guestProcess(UUID)!.pid;
    const before = await uptimePast(b, 0);
    const { migrateUri } = await a.preLiveMigration(spawnCtx);
    const destPid = a.guestProcess(UUID)!.pid;
    let aborted: Promise<void> | undefined;
    const sending = b.liveMigration(UUID, {
      host: 'host-a', migrateUri, memoryMb: 128,
      // At 2 MiB/s the memory takes a minute: abort once some of it has crossed.
      onProgress: (p) => { if (p.memoryProcessedBytes > 0) aborted ??= b.liveMigrationAbort(UUID); },
    });
    await expect(sending).rejects.toThrow(HypervisorError);
    await expect(sending).rejects.toThrow(/aborted/);
    await aborted;
    // rollback_live_migration_at_destination
    await a.destroy(UUID);
    expect(alive(destPid)).toBe(false);
    expect(existsSync(join(dir, 'host-a', UUID))).toBe(false);

    expect(b.guestProcess(UUID)!.pid).toBe(pid);
    expect(alive(pid)).toBe(true);
    expect((await b.getInfo(UUID)).state).toBe(PowerState.RUNNING);
    expect(await uptimePast(b, before)).toBeGreaterThan(before);
    await expect(b.liveMigrationAbort(UUID)).rejects.toThrow(/no live migration/);
  });

  it('refuses a destination address it cannot parse, leaving the guest alone', async () => {
    await expect(b.liveMigration(UUID, { host: 'host-a', migrateUri: 'exec:rm -rf /', memoryMb: 128 })).rejects.toThrow(/Invalid live migration URI/);
    expect((await b.getInfo(UUID)).state).toBe(PowerState.RUNNING);
  });
});
