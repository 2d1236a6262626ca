/**
 * The QEMU process of one guest: its command line, its launch (`-daemonize`, so QEMU forks into its
 * own session and process group and outlives the compute service, as libvirt's guests do), and the
 * checks that a pid read back from a pid file is still that guest's QEMU (pids are reused).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { HypervisorError, errorMessage } from '../../../../runtime/errors/index.ts';
import { execFailureText } from '../errors.ts';
import type { GuestPaths, GuestRecord } from './guest-files.ts';
import { metadataLinkArgs } from './network.ts';

const run = promisify(execFile);

export interface LaunchOptions {
  binary: string;
  accel: 'kvm' | 'tcg';
  listen: string;
  /** Restore the guest's memory from the saved state file (resume after suspend). */
  incoming: boolean;
  /** The guest's metadata proxy socket: when set, the guest gets a metadata link to it. */
  metadataSocket?: string;
}

export interface ConsolePorts {
  vnc: number;
  spice: number;
  serial: number;
}

/** Hostnames reach the kernel command line: keep Nova's sanitised alphabet only. */
export function safeHostname(h: string): string {
  const s = h.replace(/[^A-Za-z0-9.-]/g, '-').replace(/^[-.]+/, '').slice(0, 63);
  return s || 'guest';
}

/** The argv QEMU runs with (no shell ever sees it). */
export function qemuArgs(r: GuestRecord, p: GuestPaths, ports: ConsolePorts, o: LaunchOptions): string[] {
  const rescue = r.rescue;
  const direct = rescue ? rescue.directKernel : r.directKernel;
  const args = [
    '-name', `guest=${r.name},debug-threads=off`, '-uuid', r.uuid,
    '-no-user-config', '-nodefaults',
    '-accel', o.accel, '-machine', 'pc', '-cpu', o.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(r.vcpus), '-m', String(r.memoryMb),
  ];
  if (direct) {
    const cmdline = [
      'console=ttyS0', 'quiet', `novacell.uuid=${r.uuid}`, `novacell.hostname=${safeHostname(r.hostname)}`,
      ...(rescue ? ['novacell.rescue=1'] : []),
    ].join(' ');
    args.push('-kernel', rescue ? p.rescueKernel : p.kernel, '-initrd', rescue ? p.rescueRamdisk : p.ramdisk, '-append', cmdline);
  }
  // Rescue boots the rescue disk first with the guest's own disk behind it, as Nova's rescue does.
  if (rescue?.hasDisk) args.push('-drive', `file=${p.rescueDisk},if=virtio,format=qcow2`);
  // Named, so a live migration can mirror it (live-migration.ts ROOT_DRIVE_ID).
  if (r.hasDisk) args.push('-drive', `file=${p.disk},if=virtio,format=qcow2,id=disk`);
  if (r.configDrive) args.push('-drive', `file=${p.configDrive},if=virtio,format=raw,readonly=on`);
  const n = r.network;
  args.push(
    '-netdev', `user,id=net0,net=${n.cidr},host=${n.gateway},dhcpstart=${n.address},hostname=${safeHostname(r.hostname)}`,
    '-device', `virtio-net-pci,netdev=net0,mac=${n.mac}`,
    ...(o.metadataSocket ? metadataLinkArgs(r.uuid, o.metadataSocket) : []),
    '-vga', 'std', '-display', 'none',
    '-vnc', `${o.listen}:${ports.vnc - 5900}`,
    '-spice', `port=${ports.spice},addr=${o.listen},disable-ticketing=on`,
    '-chardev', `socket,id=serial0,host=${o.listen},port=${ports.serial},server=on,wait=off,logfile=${p.serialLog},logappend=on`,
    '-serial', 'chardev:serial0',
    '-qmp', `unix:${p.qmpSocket},server=on,wait=off`,
    '-pidfile', p.pidFile, '-daemonize',
  );
  if (o.incoming) args.push('-incoming', 'defer');
  return args;
}

/**
 * Start QEMU and return its pid. With -daemonize the launcher exits only once the daemon is
 * initialised (monitor socket listening), or with QEMU's error on stderr.
 */
export async function launchQemu(r: GuestRecord, p: GuestPaths, ports: ConsolePorts, o: LaunchOptions): Promise<number> {
  try {
    await run(o.binary, qemuArgs(r, p, ports, o), { timeout: 60_000 });
  } catch (e) {
    throw new HypervisorError(`QEMU failed to start instance ${r.uuid}: ${execFailureText(e).trim()}`);
  }
  const pid = await readPid(p);
  if (pid === undefined) throw new HypervisorError(`QEMU for instance ${r.uuid} started but wrote no pid file`);
  return pid;
}

export async function readPid(p: GuestPaths): Promise<number | undefined> {
  const text = await readFile(p.pidFile, 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when `pid` is alive and is the QEMU of guest `uuid` (its command line names the uuid). */
export async function isGuestProcess(pid: number, uuid: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return false;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // A zombie (Z) has exited already.
  if (/^\d+ \(.*\) Z /.test(stat)) return false;
  return cmdline.split('\0').includes(uuid);
}

export function killProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** A TCP port free on `host` right now (QEMU binds it a moment later; a lost race fails the launch and is retried). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Console ports for a new QEMU process; VNC needs a display number, so its port is >= 5900. */
export async function allocatePorts(host: string): Promise<ConsolePorts> {
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort(host);
    if (p >= 5900 && !ports.includes(p)) ports.push(p);
  }
  return { vnc: ports[0]!, spice: ports[1]!, serial: ports[2]! };
}

/** `qemu-img` with arguments; HypervisorError carrying its stderr on failure. */
export async function qemuImg(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    throw new HypervisorError(`qemu-img ${args[0]} failed: ${execFailureText(e).trim()}`);
  }
}

/** QEMU's version as Nova's integer (7.2.22 → 7002022), from `qemu-system-x86_64 --version`. */
export async function qemuVersion(binary: string): Promise<number> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 30_000 });
    const m = /version (\d+)\.(\d+)\.(\d+)/.exec(stdout);
    if (!m) return 0;
    return Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3]);
  } catch (e) {
    throw new HypervisorError(`Cannot run ${binary}: ${errorMessage(e)}`);
  }
}
