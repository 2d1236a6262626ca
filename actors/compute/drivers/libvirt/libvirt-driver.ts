/**
 * LibvirtDriver (compute_driver = libvirt.LibvirtDriver): the ComputeDriver contract through
 * libvirtd, driven with virsh (see virsh.ts for why). Guests are persistent domains named
 * `novacell-<uuid>`; their files live in `<instances_path>/<uuid>/` laid out exactly as the qemu
 * driver lays them out (same image cache, overlay, kernel/ramdisk copies, serial log), so only the
 * control differs: define/start/shutdown/destroy/reset/suspend/resume/managedsave instead of QMP.
 * libvirtd keeps domains across its own restarts and ours, so init() re-attaches by listing them.
 * libvirtd has no systemd here: start it by hand (`virtlogd -d; libvirtd -d`), see docs/hypervisors.md.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ComputeHostNotFound, HypervisorError, InstanceInvalidState, InstanceNotFound, errorMessage } from '../../../../runtime/errors/index.ts';
import type { AvailableResource, ComputeDriver, ConsoleInfo, InstanceInfo, LifecycleListener, LifecycleTransition } from '../driver.ts';
import { InstanceExists, invalidPowerState, invalidState } from '../errors.ts';
import { PowerState } from '../power-state.ts';
import type { DestroyOptions, RescueContext, SpawnContext } from '../spawn-context.ts';
import { resolveQemuConfig, type QemuDriverConfig, type QemuDriverOptions } from '../qemu/config.ts';
import { GuestPaths, listGuestDirs, readRecord, writeRecord, type GuestRecord } from '../qemu/guest-files.ts';
import { availableResource, hostFigures } from '../qemu/host-resources.ts';
import { ImageCache } from '../qemu/images.ts';
import { guestNetwork } from '../qemu/network.ts';
import { copyBootFiles, prepareDisk } from '../qemu/prepare.ts';
import { freePort } from '../qemu/process.ts';
import { QEMU_CAPABILITIES } from '../qemu/qemu-driver.ts';
import { BOOT_BANNER } from '../qemu/guest.ts';
import { domainName, domainXml } from './domain-xml.ts';
import { configDriveFor, metadataInstanceOf, spawnRequiresConfigDrive } from '../../configdrive/index.ts';
import { Virsh } from './virsh.ts';
import { kvmDeviceWarning, readKvmDevice, readKvmGid } from './kvm-device.ts';

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;
const BANNER = new RegExp(BOOT_BANNER);
const WAIT_SOFT_REBOOT_S = 120;

export interface LibvirtDriverOptions extends QemuDriverOptions {
  /** Nova's [libvirt] connection_uri (default qemu:///system). */
  uri?: string;
  /** Nova's [libvirt] virt_type: kvm where the host can run KVM guests (hostAccel), else qemu (TCG). */
  virtType?: 'qemu' | 'kvm';
}

interface Guest {
  record: GuestRecord;
  paths: GuestPaths;
  serialPort: number;
  building: boolean;
  queue: Promise<unknown>;
}

export class LibvirtDriver implements ComputeDriver {
  readonly name = 'libvirt';
  readonly capabilities = QEMU_CAPABILITIES;
  private readonly cfg: QemuDriverConfig;
  private readonly virsh: Virsh;
  private readonly virtType: 'qemu' | 'kvm';
  private readonly images: ImageCache;
  private readonly guests = new Map<string, Guest>();
  private readonly listeners: LifecycleListener[] = [];
  private events: ChildProcess | undefined;
  private host: string | undefined;
  private version = 0;

  constructor(opts: LibvirtDriverOptions) {
    this.cfg = resolveQemuConfig(opts);
    this.virsh = new Virsh(opts.uri ?? 'qemu:///system');
    this.virtType = opts.virtType ?? (this.cfg.accel === 'kvm' ? 'kvm' : 'qemu');
    this.images = new ImageCache(this.cfg.imageStore, join(this.cfg.instancesPath, '_base'), this.cfg.qemuImg);
  }

  async init(host: string): Promise<void> {
    const kvm = kvmDeviceWarning(readKvmDevice(), readKvmGid());
    if (kvm) this.cfg.log?.warn({ host }, kvm);
    const version = await this.virsh.run('version').catch((e: Error) => {
      throw new HypervisorError(`${e.message} (is libvirtd running? start it with: virtlogd -d; libvirtd -d)`);
    });
    const m = /hypervisor: QEMU (\d+)\.(\d+)\.(\d+)/.exec(version);
    this.version = m ? Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3]) : 0;
    await mkdir(this.cfg.instancesPath, { recursive: true, mode: 0o700 });
    const domains = new Set((await this.virsh.run('list', '--all', '--name')).split('\n').map((s) => s.trim()).filter(Boolean));
    for (const uuid of await listGuestDirs(this.cfg.instancesPath)) {
      const paths = new GuestPaths(join(this.cfg.instancesPath, uuid));
      const record = await readRecord(paths);
      if (!record || !domains.has(domainName(uuid)) || this.guests.has(uuid)) continue;
      this.guests.set(uuid, { record, paths, serialPort: record.ports?.serial ?? 0, building: false, queue: Promise.resolve() });
    }
    this.events?.kill();
    this.events = this.virsh.events((domain, event) => this.onEvent(domain, event));
    this.host = host;
  }

  async cleanup(): Promise<void> {
    this.events?.kill();
    this.events = undefined;
    this.guests.clear();
    this.host = undefined;
  }

  async getAvailableNodes(): Promise<string[]> {
    return [this.requireHost()];
  }

  async getAvailableResource(nodename: string): Promise<AvailableResource> {
    if (nodename !== this.requireHost()) throw new ComputeHostNotFound(`Compute host ${nodename} could not be found.`);
    let vcpus = 0;
    for (const g of this.guests.values()) vcpus += g.record.vcpus;
    return availableResource(nodename, await hostFigures(this.cfg.instancesPath), this.cfg.caps, vcpus, this.version);
  }

  async listInstanceUuids(): Promise<string[]> {
    return [...this.guests.keys()];
  }

  async spawn(ctx: SpawnContext): Promise<void> {
    this.requireHost();
    const inst = ctx.instance;
    if (this.guests.has(inst.uuid)) throw new InstanceExists(inst.name);
    const paths = new GuestPaths(join(this.cfg.instancesPath, inst.uuid));
    const record: GuestRecord = {
      uuid: inst.uuid, name: inst.name, hostname: inst.hostname, vcpus: Math.max(1, inst.vcpus), memoryMb: Math.max(128, inst.memoryMb),
      rootGb: inst.rootGb, imageId: ctx.image.id, directKernel: false, hasDisk: false, network: guestNetwork(inst.uuid, ctx.networkInfo),
      rescue: null, ports: null, kernelId: prop(ctx.image.properties, 'kernel_id'), ramdiskId: prop(ctx.image.properties, 'ramdisk_id'),
      projectId: inst.projectId, configDrive: spawnRequiresConfigDrive(ctx, this.cfg.forceConfigDrive),
    };
    const g: Guest = { record, paths, serialPort: 0, building: true, queue: Promise.resolve() };
    this.guests.set(inst.uuid, g);
    try {
      const files = await this.images.bootFiles(ctx.image);
      await copyBootFiles(files, paths.kernel, paths.ramdisk, paths.dir);
      record.directKernel = files.kernel !== undefined;
      record.hasDisk = await prepareDisk(this.images, files, paths.disk, inst.rootGb);
      if (record.configDrive) await configDriveFor(metadataInstanceOf(ctx), paths.configDrive, 'nova', randomBytes(512), { mkisofs: this.cfg.mkisofs });
      await this.define(g);
      if (ctx.powerOn ?? true) await this.start(g);
      if (!this.guests.has(inst.uuid)) throw new InstanceNotFound(inst.uuid);
      g.building = false;
    } catch (e) {
      if (this.guests.get(inst.uuid) !== g) throw new InstanceNotFound(inst.uuid);
      this.guests.delete(inst.uuid);
      await this.removeDomain(inst.uuid);
      await rm(paths.dir, { recursive: true, force: true });
      if (e instanceof HypervisorError) throw e;
      throw new HypervisorError(`Failed to spawn instance ${inst.uuid}: ${errorMessage(e)}`);
    }
  }

  async destroy(instanceUuid: string, opts?: DestroyOptions): Promise<void> {
    const g = this.guests.get(instanceUuid);
    if (!g) return;
    this.guests.delete(instanceUuid);
    await this.removeDomain(instanceUuid);
    if (opts?.destroyDisks !== false) await rm(g.paths.dir, { recursive: true, force: true });
  }

  async reboot(instanceUuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    await this.op(instanceUuid, type === 'SOFT' ? 'reboot' : 'reboot_hard', async (g, state) => {
      const name = domainName(instanceUuid);
      if (type === 'SOFT') {
        if (state !== RUNNING) throw invalidPowerState(instanceUuid, state, 'reboot');
        if (await this.shutdown(g, WAIT_SOFT_REBOOT_S)) return this.start(g);
      }
      if (state === SUSPENDED) await this.virsh.run('managedsave-remove', name);
      if (state === RUNNING || state === PAUSED) {
        const offset = await this.consoleSize(g);
        await this.virsh.run('reset', name);
        if (state === PAUSED) await this.virsh.run('resume', name);
        await this.waitBanner(g, offset);
      } else {
        await this.virsh.try('destroy', name);
        await this.start(g);
      }
    });
  }

  async powerOff(instanceUuid: string, timeoutS?: number): Promise<void> {
    await this.op(instanceUuid, 'power_off', async (g, state) => {
      if (state === SHUTDOWN) return;
      if (state === SUSPENDED) return void (await this.virsh.run('managedsave-remove', domainName(instanceUuid)));
      if (state !== RUNNING || !(await this.shutdown(g, timeoutS ?? this.cfg.shutdownTimeoutS))) {
        await this.virsh.try('destroy', domainName(instanceUuid));
      }
    });
  }

  async powerOn(instanceUuid: string): Promise<void> {
    await this.op(instanceUuid, 'power_on', async (g, state) => {
      if (state === RUNNING) return;
      if (state !== SHUTDOWN && state !== CRASHED) throw invalidPowerState(instanceUuid, state, 'power_on');
      await this.start(g);
    });
  }

  async pause(instanceUuid: string): Promise<void> {
    await this.simple(instanceUuid, 'pause', RUNNING, 'suspend');
  }

  async unpause(instanceUuid: string): Promise<void> {
    await this.simple(instanceUuid, 'unpause', PAUSED, 'resume');
  }

  async suspend(instanceUuid: string): Promise<void> {
    await this.simple(instanceUuid, 'suspend', RUNNING, 'managedsave');
  }

  async resume(instanceUuid: string): Promise<void> {
    await this.simple(instanceUuid, 'resume', SUSPENDED, 'start');
  }

  async rescue(instanceUuid: string, ctx?: RescueContext): Promise<void> {
    await this.op(instanceUuid, 'rescue', async (g, state) => {
      if (state !== RUNNING && state !== SHUTDOWN && state !== CRASHED) throw invalidPowerState(instanceUuid, state, 'rescue');
      const props: Record<string, unknown> = {};
      if (g.record.kernelId) props['kernel_id'] = g.record.kernelId;
      if (g.record.ramdiskId) props['ramdisk_id'] = g.record.ramdiskId;
      const image = ctx?.image ?? { id: g.record.imageId, properties: props };
      const files = await this.images.bootFiles(image);
      await this.virsh.try('destroy', domainName(instanceUuid));
      await copyBootFiles(files, g.paths.rescueKernel, g.paths.rescueRamdisk, g.paths.dir);
      const hasDisk = await prepareDisk(this.images, files, g.paths.rescueDisk, 0);
      g.record = { ...g.record, rescue: { imageId: image.id, directKernel: files.kernel !== undefined, hasDisk } };
      await this.define(g);
      await this.start(g);
    });
  }

  async unrescue(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await this.serial(g, async () => {
      if (!g.record.rescue) throw new InstanceInvalidState(`Instance ${instanceUuid} is not in rescue mode.`);
      await this.virsh.try('destroy', domainName(instanceUuid));
      for (const f of [g.paths.rescueDisk, g.paths.rescueKernel, g.paths.rescueRamdisk]) await rm(f, { force: true });
      g.record = { ...g.record, rescue: null };
      await this.define(g);
      await this.start(g);
    });
  }

  async snapshot(instanceUuid: string, imageId: string): Promise<void> {
    await this.op(instanceUuid, 'snapshot', async (g, state) => {
      if (!g.record.hasDisk) throw new HypervisorError(`Instance ${instanceUuid} has no root disk to snapshot.`);
      const running = state === RUNNING;
      if (running) await this.virsh.run('suspend', domainName(instanceUuid));
      try {
        await this.images.exportDisk(g.paths.disk, imageId, state === RUNNING || state === PAUSED);
      } finally {
        if (running) await this.virsh.try('resume', domainName(instanceUuid));
      }
    });
  }

  async getInfo(instanceUuid: string): Promise<InstanceInfo> {
    const g = this.requireGuest(instanceUuid, true);
    return { state: g.building ? NOSTATE : await this.state(instanceUuid) };
  }

  async getConsoleOutput(instanceUuid: string): Promise<string> {
    return this.readConsole(this.requireGuest(instanceUuid, true), 0);
  }

  async getVncConsole(instanceUuid: string): Promise<ConsoleInfo> {
    return { host: '127.0.0.1', port: await this.graphicsPort(instanceUuid, 'vnc', 'get_vnc_console') };
  }

  async getSpiceConsole(instanceUuid: string): Promise<ConsoleInfo> {
    return { host: '127.0.0.1', port: await this.graphicsPort(instanceUuid, 'spice', 'get_spice_console') };
  }

  async getSerialConsole(instanceUuid: string): Promise<ConsoleInfo> {
    const g = this.requireGuest(instanceUuid);
    const state = await this.state(instanceUuid);
    if (state !== RUNNING && state !== PAUSED) throw invalidPowerState(instanceUuid, state, 'get_serial_console');
    return { host: '127.0.0.1', port: g.serialPort };
  }

  registerEventListener(listener: LifecycleListener): void {
    this.listeners.push(listener);
  }

  // --- internals -------------------------------------------------------------------------------------

  /** libvirt's domain state as Nova's power state (LIBVIRT_POWER_STATE); a managed save reads SUSPENDED. */
  private async state(uuid: string): Promise<PowerState> {
    const s = (await this.virsh.run('domstate', '--reason', domainName(uuid))).trim();
    if (s.startsWith('running')) return RUNNING;
    if (s.startsWith('paused')) return PAUSED;
    if (s.startsWith('pmsuspended')) return SUSPENDED;
    if (s.startsWith('crashed')) return CRASHED;
    if (s.startsWith('shut off')) return s.includes('(saved)') ? SUSPENDED : SHUTDOWN;
    return SHUTDOWN;
  }

  private async define(g: Guest): Promise<void> {
    g.serialPort = await freePort('127.0.0.1');
    g.record = { ...g.record, ports: { vnc: 0, spice: 0, serial: g.serialPort } };
    await writeRecord(g.paths, g.record);
    const xmlPath = join(g.paths.dir, 'domain.xml');
    const fh = await open(xmlPath, 'w', 0o600);
    await fh.writeFile(domainXml(g.record, g.paths, this.virtType, g.serialPort));
    await fh.close();
    await this.virsh.run('define', xmlPath);
  }

  private async start(g: Guest): Promise<void> {
    const offset = await this.consoleSize(g);
    await this.virsh.run('start', domainName(g.record.uuid));
    await this.waitBanner(g, offset);
  }

  /** ACPI shutdown, waiting up to timeoutS for libvirt to see the domain off. */
  private async shutdown(g: Guest, timeoutS: number): Promise<boolean> {
    if (timeoutS <= 0) return false;
    const name = domainName(g.record.uuid);
    const deadline = this.cfg.clock.now() + timeoutS * 1000;
    await this.virsh.try('shutdown', name);
    while (this.cfg.clock.now() < deadline) {
      if ((await this.state(g.record.uuid)) === SHUTDOWN) return true;
      await this.cfg.clock.sleep(250);
    }
    return false;
  }

  private async waitBanner(g: Guest, offset: number): Promise<void> {
    const direct = g.record.rescue ? g.record.rescue.directKernel : g.record.directKernel;
    if (!direct) return;
    const deadline = this.cfg.clock.now() + this.cfg.bootTimeoutS * 1000;
    while (!BANNER.test(await this.readConsole(g, offset))) {
      if (this.cfg.clock.now() > deadline) throw new HypervisorError(`Instance ${g.record.uuid} did not boot within ${this.cfg.bootTimeoutS} s.`);
      await this.cfg.clock.sleep(200);
    }
  }

  private async consoleSize(g: Guest): Promise<number> {
    const fh = await open(g.paths.serialLog, 'r').catch(() => undefined);
    if (!fh) return 0;
    try {
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  }

  private async readConsole(g: Guest, offset: number): Promise<string> {
    const fh = await open(g.paths.serialLog, 'r').catch(() => undefined);
    if (!fh) return '';
    try {
      const size = (await fh.stat()).size;
      const start = Math.max(offset, size - 100 * 1024);
      const buf = Buffer.alloc(Math.max(0, size - start));
      await fh.read(buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      await fh.close();
    }
  }

  private async graphicsPort(uuid: string, type: 'vnc' | 'spice', method: string): Promise<number> {
    this.requireGuest(uuid);
    const state = await this.state(uuid);
    if (state !== RUNNING && state !== PAUSED) throw invalidPowerState(uuid, state, method);
    const xml = await this.virsh.run('dumpxml', domainName(uuid));
    const m = new RegExp(`<graphics type='${type}' port='(\\d+)'`).exec(xml);
    if (!m) throw new HypervisorError(`Instance ${uuid} has no ${type} display.`);
    return Number(m[1]);
  }

  private async removeDomain(uuid: string): Promise<void> {
    const name = domainName(uuid);
    await this.virsh.try('destroy', name);
    await this.virsh.try('undefine', '--managed-save', name);
  }

  private async simple(uuid: string, method: string, from: PowerState, command: string): Promise<void> {
    await this.op(uuid, method, async (_g, state) => {
      if (state !== from) throw invalidPowerState(uuid, state, method);
      await this.virsh.run(command, domainName(uuid));
    });
  }

  /** A serialised operation on a guest that is not rescued, given its current power state. */
  private async op(uuid: string, method: string, fn: (g: Guest, state: PowerState) => Promise<void>): Promise<void> {
    const g = this.requireGuest(uuid);
    await this.serial(g, async () => {
      if (g.record.rescue) throw invalidState(uuid, 'vm_state', 'rescued', method);
      await fn(g, await this.state(uuid));
    });
  }

  private serial(g: Guest, fn: () => Promise<void>): Promise<void> {
    const next = g.queue.then(fn, fn);
    g.queue = next.catch(() => undefined);
    return next;
  }

  private requireHost(): string {
    if (this.host === undefined) throw new HypervisorError('The libvirt driver is not initialised (call init(host) first).');
    return this.host;
  }

  private requireGuest(uuid: string, building = false): Guest {
    const g = this.guests.get(uuid);
    if (!g) throw new InstanceNotFound(uuid);
    if (g.building && !building) throw invalidPowerState(uuid, NOSTATE, 'operate on a building guest');
    return g;
  }

  /** libvirt lifecycle events ("Stopped Shutdown", "Suspended Paused", ...) as Nova's transitions. */
  private onEvent(domain: string, event: string): void {
    const uuid = domain.startsWith('novacell-') ? domain.slice('novacell-'.length) : undefined;
    if (!uuid || !this.guests.has(uuid) || this.guests.get(uuid)!.building) return;
    const kind = event.split(' ')[0];
    const transition: LifecycleTransition | undefined =
      kind === 'Started' ? 'STARTED' : kind === 'Stopped' ? 'STOPPED' : kind === 'Resumed' ? 'RESUMED'
        : kind === 'Suspended' ? 'PAUSED' : kind === 'PMSuspended' ? 'SUSPENDED' : undefined;
    if (!transition) return;
    const e = { instanceUuid: uuid, transition, timestamp: this.cfg.clock.now() };
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.cfg.log?.error({ err, instance_uuid: uuid }, 'lifecycle event listener failed');
      }
    }
  }
}

function prop(props: Readonly<Record<string, unknown>>, key: string): string | null {
  const v = Object.hasOwn(props, key) ? props[key] : undefined;
  return typeof v === 'string' && v ? v : null;
}
