/**
 * The QEMU driver against a real QEMU (TCG): every operation is checked on the hypervisor's side —
 * the process (pid alive or gone), QEMU's own run state over QMP, and the files in the guest's
 * directory — not just on what the driver answers. One guest walks through the power actions in
 * order (booting costs seconds under TCG); a second boots from the first one's snapshot.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../../../../../runtime/clock/index.ts';
import { HypervisorError, InstanceInvalidState, InstanceNotFound } from '../../../../../../runtime/errors/index.ts';
import { PowerState } from '../../../../../../actors/compute/drivers/power-state.ts';
import type { LifecycleEvent } from '../../../../../../actors/compute/drivers/driver.ts';
import type { SpawnContext } from '../../../../../../actors/compute/drivers/spawn-context.ts';
import { BOOT_BANNER, QemuDriver, QmpClient } from '../../../../../../actors/compute/drivers/qemu/index.ts';
import { registerGuestImage } from '../../../../../support/guest-image.ts';
import { until } from '../../../../../support/waits.ts';

const clock = new RealClock();
const UUID1 = '11111111-2222-4333-8444-555555555501';
const UUID2 = '11111111-2222-4333-8444-555555555502';
const SNAP_ID = '11111111-2222-4333-8444-5555555555aa';

let dir: string;
let store: string;
let instances: string;
let driver: QemuDriver;
let image: { id: string; properties: Record<string, string> };
const events: LifecycleEvent[] = [];

function ctx(uuid: string, imageMeta = image, hostname = 'vm-one'): SpawnContext {
  return {
    instance: {
      uuid, name: `instance-${uuid.slice(-4)}`, hostname, projectId: 'p', userId: 'u',
      vcpus: 1, memoryMb: 128, rootGb: 1, ephemeralGb: 0, swapMb: 0, metadata: {},
    },
    image: imageMeta,
    injectedFiles: [], adminPassword: null, blockDeviceInfo: null,
    networkInfo: [{
      id: 'port-1', address: 'fa:16:3e:00:00:01',
      network: { id: 'net', label: 'private', subnets: [{ cidr: '10.20.0.0/24', gateway: '10.20.0.1', ips: [{ address: '10.20.0.57' }] }] },
    }],
  };
}

function newDriver(): QemuDriver {
  const d = new QemuDriver({ clock, instancesPath: instances, imageStore: store, shutdownTimeoutS: 30, bootTimeoutS: 120 });
  d.registerEventListener((e) => events.push(e));
  return d;
}

function pidOf(uuid: string): number {
  const pid = driver.guestProcess(uuid)?.pid;
  if (pid === undefined) throw new Error(`no pid for ${uuid}`);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** QEMU's run state over the guest's QMP socket (QEMU serves one client per socket: the driver's). */
async function qmpStatus(uuid: string): Promise<string> {
  const sock = join(instances, uuid, 'qmp.sock');
  const d = driver as unknown as { guests: Map<string, { qmp?: QmpClient }> };
  const g = d.guests.get(uuid)!;
  const status = await g.qmp!.execute('query-status');
  expect(g.qmp!.isClosed).toBe(false);
  expect(existsSync(sock)).toBe(true);
  return status.status;
}

async function banners(uuid: string): Promise<number> {
  return (await driver.getConsoleOutput(uuid)).match(new RegExp(BOOT_BANNER, 'g'))?.length ?? 0;
}

/** Type a line on the guest's serial console (TCP); QEMU keeps the connection, so we close it. */
async function typeOnSerial(port: number, line: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${line}\n`, () => { s.destroy(); resolve(); }));
    s.on('error', () => resolve());
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-qemu-'));
  store = join(dir, 'images');
  instances = join(dir, 'instances');
  image = registerGuestImage(store);
  driver = newDriver();
  await driver.init('qemu-host');
}, 300_000);

afterAll(async () => {
  for (const uuid of [UUID1, UUID2]) await driver?.destroy(uuid).catch(() => undefined);
  await driver?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('QemuDriver on a real QEMU', { timeout: 240_000 }, () => {
  it('spawns a guest: a QEMU process in its own session, running, booted with its uuid and fixed IP', async () => {
    await driver.spawn(ctx(UUID1));
    const pid = pidOf(UUID1);
    expect(alive(pid)).toBe(true);
    // -daemonize: its own session, so killing the compute service's group leaves it running.
    const sessionOf = (p: number | 'self') => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);
    expect(sessionOf(pid)).not.toBe(sessionOf('self'));
    expect(await qmpStatus(UUID1)).toBe('running');
    expect((await driver.getInfo(UUID1)).state).toBe(PowerState.RUNNING);
    for (const f of ['guest.json', 'disk', 'kernel', 'ramdisk', 'console.log', 'qemu.pid']) expect(existsSync(join(instances, UUID1, f))).toBe(true);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', join(instances, UUID1, 'disk')], { encoding: 'utf8' }));
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toContain(join(instances, '_base', image.id));
    const out = await driver.getConsoleOutput(UUID1);
    expect(out).toContain(`instance ${UUID1} hostname vm-one ip 10.20.0.57/24`);
    expect(out).toContain(`disk: new, stamped by ${UUID1}`);
    await expect(driver.spawn(ctx(UUID1))).rejects.toThrow('already exists');
  });

  it('reports consoles on real loopback ports QEMU listens on', async () => {
    const vnc = await driver.getVncConsole(UUID1);
    const spice = await driver.getSpiceConsole(UUID1);
    const serial = await driver.getSerialConsole(UUID1);
    for (const c of [vnc, spice, serial]) expect(c.host).toBe('127.0.0.1');
    const greeting = await new Promise<string>((resolve, reject) => {
      const s = connect(vnc.port, '127.0.0.1');
      s.once('data', (d) => { resolve(d.toString()); s.destroy(); });
      s.once('error', reject);
    });
    expect(greeting).toMatch(/^RFB 003\.008/);
    const cmd = readFileSync(`/proc/${pidOf(UUID1)}/cmdline`, 'utf8');
    expect(cmd).toContain(`port=${spice.port}`);
    expect(cmd).toContain(`port=${serial.port}`);
  });

  it('reports diagnostics from QMP and /proc; takes an NMI (QMP inject-nmi) and the guest carries on', async () => {
    const d = await driver.getDiagnostics(UUID1);
    expect(d).toMatchObject({ state: 'running', driver: 'libvirt', hypervisor: 'qemu', num_cpus: 1, num_nics: 1, memory_details: { maximum: 128 } });
    expect(d.cpu_details[0]!.time).toBeGreaterThan(0);
    expect(d.memory_details.used).toBeGreaterThan(0);
    expect(d.nic_details[0]!.mac_address).toBe('fa:16:3e:00:00:01');
    // The guest read its disk while booting (and stamped it).
    expect(d.disk_details.some((k) => (k.read_bytes ?? 0) > 0 && (k.write_bytes ?? 0) > 0)).toBe(true);
    await driver.triggerCrashDump(UUID1);
    expect(await qmpStatus(UUID1)).toBe('running');
    expect(alive(pidOf(UUID1))).toBe(true);
  });

  it('pauses and unpauses the vCPUs (QMP stop/cont)', async () => {
    await driver.pause(UUID1);
    expect(await qmpStatus(UUID1)).toBe('paused');
    expect((await driver.getInfo(UUID1)).state).toBe(PowerState.PAUSED);
    await expect(driver.pause(UUID1)).rejects.toBeInstanceOf(InstanceInvalidState);
    await driver.unpause(UUID1);
    expect(await qmpStatus(UUID1)).toBe('running');
  });

  it('suspends to a state file (QEMU gone) and resumes from it in a new QEMU', async () => {
    const before = pidOf(UUID1);
    await driver.suspend(UUID1);
    expect(alive(before)).toBe(false);
    expect(existsSync(join(instances, UUID1, 'suspend.state'))).toBe(true);
    expect((await driver.getInfo(UUID1)).state).toBe(PowerState.SUSPENDED);
    await driver.resume(UUID1);
    const after = pidOf(UUID1);
    expect(after).not.toBe(before);
    expect(alive(after)).toBe(true);
    expect(await qmpStatus(UUID1)).toBe('running');
    expect(existsSync(join(instances, UUID1, 'suspend.state'))).toBe(false);
    // The restored guest did not boot again: still one banner.
    expect(await banners(UUID1)).toBe(1);
  });

  it('soft reboot powers the guest down over ACPI and starts a new QEMU; hard reboot resets the same one', async () => {
    const first = pidOf(UUID1);
    await driver.reboot(UUID1, 'SOFT');
    const second = pidOf(UUID1);
    expect(second).not.toBe(first);
    expect(await banners(UUID1)).toBe(2);
    expect(await driver.getConsoleOutput(UUID1)).toContain('shutting down');
    await driver.reboot(UUID1, 'HARD');
    expect(pidOf(UUID1)).toBe(second);
    expect(await banners(UUID1)).toBe(3);
    expect(await qmpStatus(UUID1)).toBe('running');
  });

  it('powers off cleanly (process gone, files kept) and on again', async () => {
    const pid = pidOf(UUID1);
    await driver.powerOff(UUID1, 30);
    expect(alive(pid)).toBe(false);
    expect((await driver.getInfo(UUID1)).state).toBe(PowerState.SHUTDOWN);
    expect(existsSync(join(instances, UUID1, 'disk'))).toBe(true);
    await driver.powerOff(UUID1); // already off: success
    await expect(driver.getVncConsole(UUID1)).rejects.toBeInstanceOf(InstanceInvalidState);
    await driver.powerOn(UUID1);
    expect(alive(pidOf(UUID1))).toBe(true);
    expect(await driver.getConsoleOutput(UUID1)).toContain(`disk: NOVACELL-DISK first booted by ${UUID1}`);
  });

  it('notices a guest that powers itself off and reports STOPPED', async () => {
    const pid = pidOf(UUID1);
    events.length = 0;
    const port = (await driver.getSerialConsole(UUID1)).port;
    // The shell on ttyS0 starts just after the boot banner: type until the guest goes down.
    await until('guest powered off', async () => {
      if (!alive(pid)) return true;
      await typeOnSerial(port, 'poweroff');
      await new Promise((r) => setTimeout(r, 2000));
      return !alive(pid);
    }, 60_000);
    await until('STOPPED event', () => events.some((e) => e.instanceUuid === UUID1 && e.transition === 'STOPPED'), 10_000);
    expect((await driver.getInfo(UUID1)).state).toBe(PowerState.SHUTDOWN);
    await driver.powerOn(UUID1);
  });

  it('snapshots the disk into the image store; a guest booted from the snapshot sees the first one\'s stamp', async () => {
    await driver.snapshot(UUID1, SNAP_ID);
    expect(await qmpStatus(UUID1)).toBe('running');
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(store, SNAP_ID)], { encoding: 'utf8' }));
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toBeUndefined();
    await driver.spawn(ctx(UUID2, { id: SNAP_ID, properties: image.properties }, 'vm-two'));
    const out = await driver.getConsoleOutput(UUID2);
    expect(out).toContain(`instance ${UUID2} hostname vm-two`);
    expect(out).toContain(`disk: NOVACELL-DISK first booted by ${UUID1}`);
    await driver.destroy(UUID2);
  });

  it('rescues with the rescue image first and the guest disk second, then unrescues', async () => {
    await driver.rescue(UUID1);
    const cmd = readFileSync(`/proc/${pidOf(UUID1)}/cmdline`, 'utf8').split('\0');
    const drives = cmd.filter((a) => a.startsWith('file='));
    expect(drives[0]).toContain('disk.rescue');
    expect(drives[1]).toContain(`${UUID1}/disk,`);
    expect(await driver.getConsoleOutput(UUID1)).toContain('novacell guest RESCUE');
    await expect(driver.pause(UUID1)).rejects.toThrow('rescued');
    await driver.unrescue(UUID1);
    expect(existsSync(join(instances, UUID1, 'disk.rescue'))).toBe(false);
    expect(await qmpStatus(UUID1)).toBe('running');
  });

  it('a restarted driver re-attaches to the running guest: same pid, still running, still controllable', async () => {
    const pid = pidOf(UUID1);
    await driver.cleanup();
    driver = newDriver();
    await driver.init('qemu-host');
    expect(await driver.listInstanceUuids()).toEqual([UUID1]);
    expect(pidOf(UUID1)).toBe(pid);
    expect((await driver.getInfo(UUID1)).state).toBe(PowerState.RUNNING);
    await driver.pause(UUID1);
    expect(await qmpStatus(UUID1)).toBe('paused');
    await driver.unpause(UUID1);
  });

  it('reports the real host figures, capped by configuration', async () => {
    const r = await driver.getAvailableResource('qemu-host');
    expect(r.hypervisor_type).toBe('QEMU');
    expect(r.hypervisor_version).toBeGreaterThan(7_000_000);
    expect(r.vcpus).toBeGreaterThanOrEqual(1);
    expect(r.memory_mb).toBeGreaterThan(512);
    expect(r.vcpus_used).toBe(1);
    const capped = new QemuDriver({ clock, instancesPath: join(dir, 'capped'), imageStore: store, caps: { vcpus: 1, memoryMb: 256, localGb: 1 } });
    await capped.init('capped');
    expect(await capped.getAvailableResource('capped')).toMatchObject({ vcpus: 1, memory_mb: 256, local_gb: 1 });
    await capped.cleanup();
  });

  it('destroys: process and files gone; unknown uuids are fine', async () => {
    const pid = pidOf(UUID1);
    await driver.destroy(UUID1);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(instances, UUID1))).toBe(false);
    await expect(driver.getInfo(UUID1)).rejects.toBeInstanceOf(InstanceNotFound);
    await driver.destroy(UUID1);
  });

  it('a spawn from an image with no data fails with HypervisorError and leaves nothing behind', async () => {
    const err = await driver.spawn(ctx(UUID2, { id: '11111111-2222-4333-8444-5555555555ff', properties: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HypervisorError);
    expect(existsSync(join(instances, UUID2))).toBe(false);
    expect(await driver.listInstanceUuids()).toEqual([]);
  });
});
