/**
 * The libvirt driver against a real libvirtd (started by hand if none runs) and QEMU under it:
 * each operation checked on libvirt's side (virsh domstate, managed save, the domain's QEMU pid)
 * and on the files. Shorter than the qemu driver's walk: the two share images, disks and consoles.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../../../../../runtime/clock/index.ts';
import { PowerState } from '../../../../../../actors/compute/drivers/power-state.ts';
import type { SpawnContext } from '../../../../../../actors/compute/drivers/spawn-context.ts';
import { LibvirtDriver, domainName } from '../../../../../../actors/compute/drivers/libvirt/index.ts';
import { registerGuestImage } from '../../../../../support/guest-image.ts';
import { ensureLibvirtd, libvirtInstalled, type Libvirtd } from '../../../../../support/libvirtd.ts';

const clock = new RealClock();
const UUID = '22222222-3333-4444-8555-666666666601';
const SNAP = '22222222-3333-4444-8555-6666666666aa';
const NAME = domainName(UUID);
let dir: string;
let instances: string;
let store: string;
let daemon: Libvirtd | undefined;
let driver: LibvirtDriver;
let image: { id: string; properties: Record<string, string> };

const virsh = (...args: string[]) => execFileSync('virsh', ['-q', '-c', 'qemu:///system', ...args], { encoding: 'utf8' }).trim();
const qemuPid = () => Number(readFileSync(`/run/libvirt/qemu/${NAME}.pid`, 'utf8'));

function ctx(): SpawnContext {
  return {
    instance: { uuid: UUID, name: 'lv1', hostname: 'lv-one', projectId: 'p', userId: 'u', vcpus: 1, memoryMb: 128, rootGb: 1, ephemeralGb: 0, swapMb: 0, metadata: {} },
    image, injectedFiles: [], adminPassword: null, blockDeviceInfo: null,
    networkInfo: [{ id: 'port', address: 'fa:16:3e:00:00:02', network: { id: 'n', label: 'private', subnets: [{ cidr: '10.30.0.0/24', gateway: '10.30.0.1', ips: [{ address: '10.30.0.21' }] }] } }],
  };
}

function newDriver(): LibvirtDriver {
  return new LibvirtDriver({ clock, instancesPath: instances, imageStore: store, shutdownTimeoutS: 30, bootTimeoutS: 120 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-libvirt-'));
  instances = join(dir, 'instances');
  store = join(dir, 'images');
  image = registerGuestImage(store);
  if (!libvirtInstalled()) return;
  daemon = await ensureLibvirtd(dir);
  driver = newDriver();
  await driver.init('lv-host');
}, 300_000);

afterAll(async () => {
  await driver?.destroy(UUID).catch(() => undefined);
  await driver?.cleanup();
  daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!libvirtInstalled())('LibvirtDriver on a real libvirtd', { timeout: 240_000 }, () => {
  it('spawns a persistent domain (type qemu) that boots with its uuid and fixed IP', async () => {
    await driver.spawn(ctx());
    expect(virsh('domstate', NAME)).toBe('running');
    expect(virsh('dumpxml', NAME)).toContain("<domain type='qemu'");
    expect(existsSync(`/proc/${qemuPid()}`)).toBe(true);
    expect(await driver.getConsoleOutput(UUID)).toContain(`instance ${UUID} hostname lv-one ip 10.30.0.21/24`);
    const vnc = await driver.getVncConsole(UUID);
    expect(vnc.port).toBeGreaterThanOrEqual(5900);
  });

  it('pause/unpause, suspend (managed save)/resume, power off/on', async () => {
    await driver.pause(UUID);
    expect(virsh('domstate', NAME)).toBe('paused');
    await driver.unpause(UUID);
    await driver.suspend(UUID);
    expect(virsh('domstate', '--reason', NAME)).toBe('shut off (saved)');
    expect((await driver.getInfo(UUID)).state).toBe(PowerState.SUSPENDED);
    await driver.resume(UUID);
    expect(virsh('domstate', NAME)).toBe('running');
    await driver.powerOff(UUID);
    expect(virsh('domstate', NAME)).toBe('shut off');
    await driver.powerOn(UUID);
    expect(virsh('domstate', NAME)).toBe('running');
  });

  it('soft reboot boots the guest again; snapshot writes a standalone qcow2', async () => {
    await driver.reboot(UUID, 'SOFT');
    expect((await driver.getConsoleOutput(UUID)).match(/=== novacell guest: instance /g)?.length).toBeGreaterThanOrEqual(3);
    await driver.snapshot(UUID, SNAP);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(store, SNAP)], { encoding: 'utf8' }));
    expect(info.format).toBe('qcow2');
    expect(virsh('domstate', NAME)).toBe('running');
  });

  it('a restarted driver re-attaches to the domain: same QEMU process, still controllable', async () => {
    const pid = qemuPid();
    await driver.cleanup();
    driver = newDriver();
    await driver.init('lv-host');
    expect(await driver.listInstanceUuids()).toEqual([UUID]);
    expect((await driver.getInfo(UUID)).state).toBe(PowerState.RUNNING);
    expect(qemuPid()).toBe(pid);
    await driver.pause(UUID);
    expect(virsh('domstate', NAME)).toBe('paused');
    await driver.unpause(UUID);
  });

  it('destroy removes the domain and its files', async () => {
    await driver.destroy(UUID);
    expect(virsh('list', '--all', '--name')).not.toContain(NAME);
    expect(existsSync(join(instances, UUID))).toBe(false);
  });
});
