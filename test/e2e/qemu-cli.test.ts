/**
 * End to end with real guests: `novacell up topology/examples/qemu.yaml` (with a second qemu host
 * beside qemu01) as a child process, the guest image built by scripts/make-guest-image.sh and
 * registered AMI-style by scripts/register-guest-image.sh, and the `openstack` CLI driving a server's
 * whole life on a qemu host — every step checked on the hypervisor's side too (the QEMU process, its
 * files). `server migrate --live-migration --host` moves the running guest to the other qemu host:
 * the guest's own uptime on its console carries on, with no new boot, on the disk it stamped. Then
 * the control plane is SIGKILLed with two guests running and started again: the same QEMU processes
 * are still there and still obey; a guest that powers itself off ends SHUTOFF; the mixed tree also
 * schedules to its fake leaf; `hypervisor show` reports this machine's figures for the qemu host.
 * At most two guests run at once (2 cores). Skipped, saying so, without the openstack CLI or QEMU.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovacellUp, ROOT } from '../support/novacell-up.ts';
import { findOpenstackCli } from '../support/openstack-cli.ts';
import { guestImage } from '../support/guest-image.ts';
import { until } from '../support/waits.ts';

const CLI = findOpenstackCli();
const QEMU = (() => {
  try {
    execFileSync('qemu-system-x86_64', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const TITLE = CLI && QEMU
  ? 'real QEMU guests through the openstack CLI (topology/examples/qemu.yaml)'
  : 'real QEMU guests through the openstack CLI (SKIPPED: needs python3-openstackclient and qemu-system-x86)';

interface Server {
  id: string;
  status: string;
  'OS-EXT-SRV-ATTR:host': string;
  'OS-EXT-STS:task_state': string | null;
  addresses: Record<string, Array<{ addr: string }>> | string;
}

/** Type a line on the guest's serial console (TCP); QEMU keeps the connection, so we close it. */
async function typeOnSerial(port: number, line: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${line}\n`, () => { s.destroy(); resolve(); }));
    s.on('error', () => resolve());
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(!CLI || !QEMU)(TITLE, { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'novacell-qemu-e2e-'));
  const home = mkdtempSync(join(tmpdir(), 'novacell-qemu-home-'));
  // The example topology with qemu02 beside qemu01, so that a guest can be live-migrated.
  const topology = join(home, 'qemu-two-hosts.yaml');
  const example = readFileSync(join(ROOT, 'topology', 'examples', 'qemu.yaml'), 'utf8');
  if (!example.includes('- names: qemu01\n')) throw new Error('topology/examples/qemu.yaml no longer names its host qemu01');
  writeFileSync(topology, example.replace('- names: qemu01\n', '- names: qemu[01:02]\n'));
  const up = new NovacellUp(topology, dataDir, home, CLI ?? '');
  const ids = new Map<string, string>();
  const hosts = new Map<string, string>();
  const guestDir = (name: string) => join(dataDir, 'instances', hosts.get(name)!, ids.get(name)!);
  const pidOf = (name: string) => Number(readFileSync(join(guestDir(name), 'qemu.pid'), 'utf8'));
  const show = (name: string) => up.json<Server>('server', 'show', name);
  const waitStatus = (name: string, status: string, ms = 180_000) =>
    until(`${name} ${status}`, async () => {
      const s = await show(name);
      return s.status === status && !s['OS-EXT-STS:task_state'] ? s : undefined;
    }, ms);
  const banners = async (name: string) => ((await up.openstack('console', 'log', 'show', name)).match(/=== novacell guest: instance /g) ?? []).length;

  async function create(name: string, image = 'novacell-guest'): Promise<Server> {
    const t0 = performance.now();
    const s = await up.json<Server>('server', 'create', '--flavor', 'm1.nano', '--image', image, '--availability-zone', 'qemu', '--wait', name);
    process.stderr.write(`[e2e qemu] ${name}: create --wait → ${s.status} in ${Math.round(performance.now() - t0)} ms\n`);
    ids.set(name, s.id);
    hosts.set(name, s['OS-EXT-SRV-ATTR:host']);
    return s;
  }

  beforeAll(async () => {
    guestImage();
    await up.start();
    await up.script('register-guest-image.sh');
  }, 400_000);

  afterAll(async () => {
    // Guests outlive the control plane by design: remove ours by pid.
    for (const name of ids.keys()) {
      const pidFile = join(guestDir(name), 'qemu.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(ids.get(name)!)) process.kill(pid, 'SIGKILL');
      }
    }
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('server create --wait boots a real guest: ACTIVE, a QEMU process, its banner with its uuid on the console', async () => {
    const s = await create('vm1');
    expect(s.status).toBe('ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toMatch(/^qemu0[12]$/);
    expect(alive(pidOf('vm1'))).toBe(true);
    const log = await up.openstack('console', 'log', 'show', 'vm1');
    expect(log).toContain(`=== novacell guest: instance ${s.id} hostname vm1`);
  });

  it('the guest has its fixed IP from the project network, as server show says', async () => {
    const s = await show('vm1');
    const addrs = typeof s.addresses === 'string' ? s.addresses : JSON.stringify(s.addresses);
    const ip = /10\.100\.\d+\.\d+/.exec(addrs)?.[0];
    expect(ip, addrs).toBeDefined();
    expect(await up.openstack('console', 'log', 'show', 'vm1')).toContain(`ip ${ip}/24`);
  });

  it('reboot, stop/start, pause/unpause, suspend/resume act on the QEMU process', async () => {
    await up.openstack('server', 'reboot', '--wait', 'vm1');
    await waitStatus('vm1', 'ACTIVE');
    expect(await banners('vm1')).toBe(2);

    const before = pidOf('vm1');
    await up.openstack('server', 'stop', 'vm1');
    await waitStatus('vm1', 'SHUTOFF');
    expect(alive(before)).toBe(false);
    await up.openstack('server', 'start', 'vm1');
    await waitStatus('vm1', 'ACTIVE');
    expect(alive(pidOf('vm1'))).toBe(true);
    expect(await banners('vm1')).toBe(3);

    await up.openstack('server', 'pause', 'vm1');
    await waitStatus('vm1', 'PAUSED');
    expect(alive(pidOf('vm1'))).toBe(true);
    await up.openstack('server', 'unpause', 'vm1');
    await waitStatus('vm1', 'ACTIVE');

    const running = pidOf('vm1');
    await up.openstack('server', 'suspend', 'vm1');
    await waitStatus('vm1', 'SUSPENDED');
    expect(alive(running)).toBe(false);
    expect(existsSync(join(guestDir('vm1'), 'suspend.state'))).toBe(true);
    await up.openstack('server', 'resume', 'vm1');
    await waitStatus('vm1', 'ACTIVE');
    expect(alive(pidOf('vm1'))).toBe(true);
    expect(existsSync(join(guestDir('vm1'), 'suspend.state'))).toBe(false);
    expect(await banners('vm1')).toBe(3); // restored, not rebooted
  });

  it('server image create captures the disk; a server booted from the snapshot sees vm1\'s stamp', async () => {
    const img = await up.json<{ id: string }>('server', 'image', 'create', '--name', 'vm1-snap', '--wait', 'vm1');
    await waitStatus('vm1', 'ACTIVE');
    await until('snapshot data', () => existsSync(join(dataDir, 'images', img.id)), 120_000);
    await create('from-snap', 'vm1-snap');
    const log = await up.openstack('console', 'log', 'show', 'from-snap');
    expect(log).toContain(`disk: NOVACELL-DISK first booted by ${ids.get('vm1')}`);
    const dir = guestDir('from-snap');
    const pid = pidOf('from-snap');
    await up.openstack('server', 'delete', '--wait', 'from-snap');
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('server migrate --live-migration --host moves the running guest to the other qemu host: its uptime carries on', async () => {
    const source = hosts.get('vm1')!;
    const target = source === 'qemu01' ? 'qemu02' : 'qemu01';
    const sourcePid = pidOf('vm1');
    const sourceDir = guestDir('vm1');
    const uptime = /=== novacell uptime: ([\d.]+) s, disk: (.*?) ===/g;
    const last = async () => [...(await up.openstack('console', 'log', 'show', 'vm1')).matchAll(uptime)].at(-1);
    const before = await until('an uptime line', last, 30_000);
    const t0 = performance.now();
    await up.openstack('server', 'migrate', '--live-migration', '--host', target, '--wait', 'vm1', '--os-compute-api-version', '2.30');
    const moved = await waitStatus('vm1', 'ACTIVE');
    process.stderr.write(`[e2e qemu] vm1: live migration ${source} → ${target} (--wait) in ${Math.round(performance.now() - t0)} ms\n`);
    expect(moved['OS-EXT-SRV-ATTR:host']).toBe(target);
    hosts.set('vm1', target);
    // The source QEMU and its files are gone; the guest runs in a QEMU on the target.
    expect(alive(sourcePid)).toBe(false);
    expect(existsSync(sourceDir)).toBe(false);
    expect(alive(pidOf('vm1'))).toBe(true);
    const list = await up.json<Array<Record<string, unknown>>>('server', 'migration', 'list', '--server', 'vm1', '--os-compute-api-version', '2.80');
    expect(list[0]).toMatchObject({ Status: 'completed', Type: 'live-migration', 'Source Compute': source, 'Dest Compute': target });
    // The guest's own word, from the target's console: still counting, never booted there, same disk.
    const after = await until('an uptime line past the one before', async () => {
      const m = await last();
      return m && Number(m[1]) > Number(before[1]) ? m : undefined;
    }, 30_000);
    expect(after[2]).toBe(`NOVACELL-DISK first booted by ${ids.get('vm1')}`);
    expect(after[2]).toBe(before[2]);
    expect(await banners('vm1')).toBe(0);
  });

  it('SIGKILL of the control plane leaves both guests running; after a restart they are the same processes and obey', async () => {
    await create('vm2');
    const pids = { vm1: pidOf('vm1'), vm2: pidOf('vm2') };
    await up.crash();
    expect(alive(pids.vm1) && alive(pids.vm2)).toBe(true);
    await up.start();
    for (const name of ['vm1', 'vm2'] as const) {
      expect((await waitStatus(name, 'ACTIVE', 30_000)).status).toBe('ACTIVE');
      expect(pidOf(name)).toBe(pids[name]);
      expect(alive(pids[name])).toBe(true);
    }
    await up.openstack('server', 'stop', 'vm2');
    await waitStatus('vm2', 'SHUTOFF');
    expect(alive(pids.vm2)).toBe(false);
    await up.openstack('server', 'start', 'vm2');
    await waitStatus('vm2', 'ACTIVE');
    expect(alive(pidOf('vm2'))).toBe(true);
  });

  it('a guest that runs poweroff inside ends SHUTOFF within the sync interval', async () => {
    const pid = pidOf('vm2');
    const port = (JSON.parse(readFileSync(join(guestDir('vm2'), 'guest.json'), 'utf8')) as { ports: { serial: number } }).ports.serial;
    // The shell on ttyS0 starts just after the boot banner: type until the guest goes down.
    await until('QEMU gone', async () => {
      if (!alive(pid)) return true;
      await typeOnSerial(port, 'poweroff');
      await new Promise((r) => setTimeout(r, 2000));
      return !alive(pid);
    }, 60_000);
    const t0 = performance.now();
    await waitStatus('vm2', 'SHUTOFF', 15_000); // sync_power_state_interval is 10 s; the QMP event is faster
    process.stderr.write(`[e2e qemu] vm2: poweroff inside → SHUTOFF in the API ${Math.round(performance.now() - t0)} ms after QEMU exited\n`);
  });

  it('the mixed tree schedules to its fake leaf too; hypervisor show reports this machine for qemu01', async () => {
    const s = await up.json<Server>('server', 'create', '--flavor', 'm1.nano', '--image', 'novacell-guest', '--availability-zone', 'sim', '--wait', 'fake-vm');
    expect(s.status).toBe('ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toMatch(/^fake0[12]$/);
    const h = await up.json<Record<string, unknown>>('hypervisor', 'show', 'qemu01');
    expect(h).toMatchObject({ hypervisor_type: 'QEMU', vcpus: Math.min(cpus().length, 2), state: 'up' });
    const realMb = Math.floor(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024);
    expect(h.memory_mb).toBe(Math.min(realMb, 4096));
    expect(Number(h.hypervisor_version)).toBeGreaterThan(7_000_000);
    await up.openstack('server', 'delete', '--wait', 'fake-vm');
  });

  it('server delete removes the QEMU process and its files', async () => {
    const dirs = ['vm1', 'vm2'].map(guestDir);
    const pid = pidOf('vm1');
    await up.openstack('server', 'delete', '--wait', 'vm1', 'vm2');
    expect(alive(pid)).toBe(false);
    for (const d of dirs) expect(existsSync(d)).toBe(false);
  });
});
