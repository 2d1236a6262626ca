/**
 * QemuDriver: the ComputeDriver contract on plain QEMU, one daemonized process per guest controlled
 * over QMP (no libvirtd). Each guest lives in `<instances_path>/<uuid>/` (record, qcow2 overlay,
 * kernel/ramdisk copies, serial log, QMP socket, pid file), so a restarted compute service finds its
 * guests and re-attaches to the ones still running; QEMU runs in its own session (-daemonize), so a
 * crash of the service never takes a guest down. Power actions map to QMP as Nova's libvirt driver
 * maps them to libvirt: soft reboot = ACPI power-down then start, hard reboot = system_reset,
 * power-off = ACPI power-down for shutdown_timeout then quit, pause = stop/cont, suspend = the
 * guest's memory migrated to a file ("managed save") and QEMU quit, resume = a new QEMU restoring it.
 * Live migration goes to a QEMU started on the destination with `-incoming` (live-migration.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ComputeHostNotFound, HypervisorError, InstanceInvalidState, InstanceNotFound, errorMessage } from '../../../../runtime/errors/index.ts';
import { DEFAULT_CAPABILITIES, type DriverCapabilities } from '../capabilities.ts';
import type { AvailableResource, ComputeDriver, ConsoleInfo, InstanceInfo, LifecycleListener, LiveMigrationTarget } from '../driver.ts';
import { InstanceExists, invalidPowerState, invalidState } from '../errors.ts';
import { lifecycleTransition } from '../fake-guest.ts';
import { PowerState } from '../power-state.ts';
import type { DestroyOptions, RescueContext, SpawnContext } from '../spawn-context.ts';
import { resolveQemuConfig, type QemuDriverConfig, type QemuDriverOptions } from './config.ts';
import { GuestPaths, listGuestDirs, readRecord, writeRecord, type GuestRecord } from './guest-files.ts';
import { QemuGuest } from './guest.ts';
import { availableResource, hostFigures } from './host-resources.ts';
import { ImageCache } from './images.ts';
import { guestNetwork, usableForGuestForward } from './network.ts';
import { configDriveFor, metadataInstanceOf, spawnRequiresConfigDrive } from '../../configdrive/index.ts';
import { MetadataProxy } from '../../metadata-proxy/index.ts';
import { qemuDiagnostics } from './diagnostics.ts';
import type { Diagnostics } from '../../../objects/diagnostics.ts';
import { allocatePorts, freePort, launchQemu, qemuVersion } from './process.ts';
import { formatMigrateUri, OutgoingMigration, parseMigrateUri, receive } from './live-migration.ts';
import { copyBootFiles, prepareDisk } from './prepare.ts';

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;

export const QEMU_CAPABILITIES: Readonly<DriverCapabilities> = Object.freeze({
  ...DEFAULT_CAPABILITIES,
  hasImagecache: true,
  supportsImageTypeAki: true,
  supportsImageTypeAmi: true,
  supportsImageTypeAri: true,
  supportsImageTypeQcow2: true,
  supportsImageTypeRaw: true,
});

/** Nova's [libvirt] wait_soft_reboot_seconds. */
const WAIT_SOFT_REBOOT_S = 120;
/** Nova's SHUTDOWN_RETRY_INTERVAL: the ACPI power button is pressed again this often. */
const SHUTDOWN_RETRY_INTERVAL_S = 10;

export class QemuDriver implements ComputeDriver {
  readonly name: string = 'qemu';
  readonly capabilities = QEMU_CAPABILITIES;

  protected readonly cfg: QemuDriverConfig;
  protected readonly images: ImageCache;
  private readonly guests = new Map<string, QemuGuest>();
  /** Live migrations this host is sending, by instance uuid (abort and force-complete reach them). */
  private readonly outgoing = new Map<string, OutgoingMigration>();
  /** The per-guest metadata proxies (Neutron's metadata agent in miniature), by instance uuid. */
  private readonly proxies = new Map<string, MetadataProxy>();
  private readonly listeners: LifecycleListener[] = [];
  private host: string | undefined;
  private version = 0;
  private buildSlots: number;
  private readonly buildWaiters: Array<() => void> = [];

  constructor(opts: QemuDriverOptions) {
    this.cfg = resolveQemuConfig(opts);
    this.images = new ImageCache(this.cfg.imageStore, join(this.cfg.instancesPath, '_base'), this.cfg.qemuImg);
    this.buildSlots = this.cfg.maxConcurrentBuilds;
  }

  async init(host: string): Promise<void> {
    this.version = await qemuVersion(this.cfg.binary);
    await mkdir(this.cfg.instancesPath, { recursive: true, mode: 0o700 });
    for (const uuid of await listGuestDirs(this.cfg.instancesPath)) {
      if (this.guests.has(uuid)) continue;
      const paths = new GuestPaths(join(this.cfg.instancesPath, uuid));
      const record = await readRecord(paths);
      if (!record) continue; // a build that died before writing its record: nothing to re-attach
      const g = this.newGuest(uuid, paths, record);
      g.building = false;
      if (await g.alive()) {
        await g.attach().catch((e: unknown) => this.cfg.log?.warn({ instance: uuid, err: String(e) }, 'cannot re-attach to QEMU'));
        await this.metadataProxyFor(g); // the running QEMU's guestfwd reaches the proxy at the same path again
      }
      await g.refresh();
      this.cfg.log?.info({ instance: uuid, pid: g.pid, power_state: g.state }, 're-attached guest');
    }
    this.host = host;
  }

  async cleanup(): Promise<void> {
    for (const g of this.guests.values()) {
      if (g.building) g.destroyed = true;
      g.qmp?.close();
    }
    this.guests.clear();
    for (const p of this.proxies.values()) await p.close().catch(() => undefined);
    this.proxies.clear();
    this.host = undefined;
  }

  async getAvailableNodes(): Promise<string[]> {
    return [this.requireHost('list nodes')];
  }

  async getAvailableResource(nodename: string): Promise<AvailableResource> {
    const host = this.requireHost('report resources');
    if (nodename !== host) throw new ComputeHostNotFound(`Compute host ${nodename} could not be found.`);
    const figures = await hostFigures(this.cfg.instancesPath);
    let vcpus = 0;
    for (const g of this.guests.values()) if (g.state !== SHUTDOWN && g.state !== SUSPENDED) vcpus += g.record.vcpus;
    return availableResource(nodename, figures, this.cfg.caps, vcpus, this.version);
  }

  async listInstanceUuids(): Promise<string[]> {
    return [...this.guests.keys()];
  }

  async spawn(ctx: SpawnContext): Promise<void> {
    this.requireHost('spawn');
    const g = this.newGuestFor(ctx);
    await this.acquireBuildSlot();
    try {
      await this.layOut(g, ctx);
      if (ctx.powerOn ?? true) await this.start(g);
      else g.state = SHUTDOWN;
      this.checkNotDestroyed(g);
      g.building = false;
      this.cfg.log?.info({ instance: g.uuid, pid: g.pid, request_id: ctx.reqId }, 'guest spawned');
    } catch (e) {
      await this.discardBuild(g);
      if (e instanceof HypervisorError || e instanceof InstanceNotFound) throw e;
      throw new HypervisorError(`Failed to spawn instance ${g.uuid}: ${errorMessage(e)}`);
    } finally {
      this.releaseBuildSlot();
    }
  }

  /**
   * pre_live_migration: the guest's directory as a spawn lays it out (a fresh overlay on the same
   * image), and a QEMU with the same machine waiting for the migration (`-incoming defer`); it
   * listens on free loopback ports and exports the disk over NBD for the source to mirror into.
   * The guest counts as building here until post_live_migration_at_destination.
   */
  async preLiveMigration(ctx: SpawnContext): Promise<{ migrateUri: string | null }> {
    this.requireHost('receive a live migration');
    const g = this.newGuestFor(ctx);
    try {
      await this.layOut(g, ctx);
      await this.launch(g, true);
      const listen = this.cfg.consoleListen;
      const target = await receive(g.requireQmp('pre_live_migration'), listen, {
        migration: await freePort(listen), nbd: g.record.hasDisk ? await freePort(listen) : null,
      });
      this.checkNotDestroyed(g);
      this.cfg.log?.info({ instance: g.uuid, pid: g.pid, request_id: ctx.reqId }, 'waiting for the incoming live migration');
      return { migrateUri: formatMigrateUri(target) };
    } catch (e) {
      await this.discardBuild(g);
      if (e instanceof HypervisorError || e instanceof InstanceNotFound) throw e;
      throw new HypervisorError(`Failed to prepare instance ${g.uuid} for live migration: ${errorMessage(e)}`);
    }
  }

  /**
   * live_migration on the source: mirror the disk, migrate the memory, then the source QEMU (paused
   * in postmigrate) quits and its files go. Rejects, leaving the guest running here, when aborted or
   * when QEMU fails.
   */
  async liveMigration(instanceUuid: string, dest: LiveMigrationTarget): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    if (!dest.migrateUri) throw new HypervisorError(`The destination ${dest.host} gave no address to migrate instance ${instanceUuid} to.`);
    const target = parseMigrateUri(dest.migrateUri);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'live_migration');
      if (state !== RUNNING && state !== PAUSED) throw invalidPowerState(g.uuid, state, 'live_migration');
      if (this.outgoing.has(g.uuid)) throw new InstanceInvalidState(`Instance ${g.uuid} is already being live-migrated.`);
      const m = new OutgoingMigration(g.requireQmp('live_migration'), this.cfg.clock, g.uuid, dest.onProgress);
      this.outgoing.set(g.uuid, m);
      try {
        const f = await m.run(target, g.record.hasDisk, this.cfg.liveMigrationBandwidthMiBps);
        this.cfg.log?.info({
          instance: g.uuid, dest: dest.host, total_time_ms: f.totalTimeMs, downtime_ms: f.downtimeMs, memory_bytes: f.memoryBytes, disk_bytes: f.diskBytes,
        }, 'live migration completed');
      } finally {
        this.outgoing.delete(g.uuid);
      }
      // The guest runs on the destination: this copy goes without a lifecycle event (it did not stop).
      g.destroyed = true;
      this.guests.delete(g.uuid);
      await g.kill();
      g.qmp?.close();
      await this.closeMetadataProxy(g.uuid);
      await rm(g.paths.dir, { recursive: true, force: true });
    });
  }

  /** The incoming QEMU has the guest: wait for the stream's end, stop the NBD export, the guest is ours. */
  async postLiveMigrationAtDestination(ctx: SpawnContext): Promise<void> {
    const g = this.guests.get(ctx.instance.uuid);
    if (!g) throw new InstanceNotFound(ctx.instance.uuid);
    const qmp = g.requireQmp('post_live_migration_at_destination');
    const deadline = this.cfg.clock.now() + this.cfg.bootTimeoutS * 1000;
    for (;;) {
      const status = (await qmp.execute('query-status')).status;
      if (status !== 'inmigrate') break;
      if (this.cfg.clock.now() > deadline) throw new HypervisorError(`Instance ${g.uuid} did not arrive within ${this.cfg.bootTimeoutS} s.`);
      await this.cfg.clock.sleep(100);
    }
    await qmp.execute('nbd-server-stop').catch(() => undefined);
    g.building = false;
    await g.refresh();
    this.cfg.log?.info({ instance: g.uuid, pid: g.pid, power_state: g.state, request_id: ctx.reqId }, 'live-migrated guest arrived');
  }

  async liveMigrationAbort(instanceUuid: string): Promise<void> {
    const m = this.outgoing.get(instanceUuid);
    if (!m) throw new InstanceInvalidState(`Instance ${instanceUuid} has no live migration to abort.`);
    await m.abort();
  }

  async liveMigrationForceComplete(instanceUuid: string): Promise<void> {
    const m = this.outgoing.get(instanceUuid);
    if (!m) throw new InstanceInvalidState(`Instance ${instanceUuid} has no live migration to complete.`);
    await m.forceComplete();
  }

  async destroy(instanceUuid: string, opts?: DestroyOptions): Promise<void> {
    const g = this.guests.get(instanceUuid);
    if (!g) return;
    const wasActive = g.state === RUNNING || g.state === PAUSED;
    g.destroyed = true;
    this.guests.delete(instanceUuid);
    await g.kill();
    g.qmp?.close();
    await this.closeMetadataProxy(instanceUuid);
    if (opts?.destroyDisks === false) {
      for (const f of [g.paths.qmpSocket, g.paths.pidFile, g.paths.savedState, g.paths.rescueDisk, g.paths.metadataSocket]) await rm(f, { force: true });
    } else {
      await rm(g.paths.dir, { recursive: true, force: true });
    }
    if (wasActive) this.emit(g.uuid, 'STOPPED');
  }

  async reboot(instanceUuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, type === 'SOFT' ? 'reboot' : 'reboot_hard');
      if (type === 'SOFT') {
        if (state !== RUNNING) throw invalidPowerState(g.uuid, state, 'reboot');
        if (await this.cleanShutdown(g, WAIT_SOFT_REBOOT_S)) return this.start(g);
        // The guest ignored the power button: Nova falls back to a hard reboot.
      }
      if (state === SUSPENDED) await rm(g.paths.savedState, { force: true });
      if (await g.alive()) {
        const qmp = g.requireQmp('reboot');
        const offset = await g.consoleOffset();
        await qmp.execute('system_reset');
        if ((await qmp.execute('query-status')).status !== 'running') await qmp.execute('cont');
        await g.refresh();
        await this.waitBoot(g, offset);
      } else {
        await this.start(g);
      }
    });
  }

  async powerOff(instanceUuid: string, timeoutS?: number): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'power_off');
      if (state === SHUTDOWN) return;
      if (state === SUSPENDED) {
        await rm(g.paths.savedState, { force: true });
      } else if (state !== RUNNING || !(await this.cleanShutdown(g, timeoutS ?? this.cfg.shutdownTimeoutS))) {
        await g.kill();
      }
      g.setState(SHUTDOWN);
    });
  }

  async powerOn(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'power_on');
      if (state === RUNNING) return;
      if (state !== SHUTDOWN && state !== CRASHED) throw invalidPowerState(g.uuid, state, 'power_on');
      await g.kill();
      await this.start(g);
    });
  }

  async pause(instanceUuid: string): Promise<void> {
    await this.qmpTransition(instanceUuid, 'pause', RUNNING, 'stop');
  }

  async unpause(instanceUuid: string): Promise<void> {
    await this.qmpTransition(instanceUuid, 'unpause', PAUSED, 'cont');
  }

  async suspend(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'suspend');
      if (state !== RUNNING) throw invalidPowerState(g.uuid, state, 'suspend');
      const qmp = g.requireQmp('suspend');
      await qmp.execute('stop');
      const part = `${g.paths.savedState}.part`;
      await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(part)}` });
      for (;;) {
        const m = await qmp.execute('query-migrate');
        if (m.status === 'completed') break;
        if (m.status === 'failed' || m.status === 'cancelled') {
          await qmp.execute('cont').catch(() => undefined);
          throw new HypervisorError(`Saving instance ${g.uuid}'s memory failed: ${m['error-desc'] ?? m.status}`);
        }
        await this.cfg.clock.sleep(100);
      }
      await rename(part, g.paths.savedState);
      await g.kill();
      g.setState(SUSPENDED);
    });
  }

  async resume(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'resume');
      if (state !== SUSPENDED) throw invalidPowerState(g.uuid, state, 'resume');
      await this.launch(g, true);
      const qmp = g.requireQmp('resume');
      await qmp.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(g.paths.savedState)}` });
      const deadline = this.cfg.clock.now() + this.cfg.bootTimeoutS * 1000;
      for (;;) {
        const s = (await qmp.execute('query-status')).status;
        if (s !== 'inmigrate') break;
        if (this.cfg.clock.now() > deadline) throw new HypervisorError(`Restoring instance ${g.uuid} timed out.`);
        await this.cfg.clock.sleep(100);
      }
      if ((await qmp.execute('query-status')).status !== 'running') await qmp.execute('cont');
      await rm(g.paths.savedState, { force: true });
      await g.refresh();
    });
  }

  async rescue(instanceUuid: string, ctx?: RescueContext): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'rescue');
      if (state !== RUNNING && state !== SHUTDOWN && state !== CRASHED) throw invalidPowerState(g.uuid, state, 'rescue');
      const image = ctx?.image ?? { id: g.record.imageId, properties: await this.imagePropsOf(g) };
      const files = await this.images.bootFiles(image);
      await g.kill();
      await copyBootFiles(files, g.paths.rescueKernel, g.paths.rescueRamdisk, g.paths.dir);
      const hasDisk = await prepareDisk(this.images, files, g.paths.rescueDisk, 0);
      g.record = { ...g.record, rescue: { imageId: image.id, directKernel: files.kernel !== undefined, hasDisk } };
      await writeRecord(g.paths, g.record);
      await this.start(g);
    });
  }

  async unrescue(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      if (!g.record.rescue) throw new InstanceInvalidState(`Instance ${instanceUuid} is not in rescue mode.`);
      await g.kill();
      for (const f of [g.paths.rescueDisk, g.paths.rescueKernel, g.paths.rescueRamdisk]) await rm(f, { force: true });
      g.record = { ...g.record, rescue: null };
      await writeRecord(g.paths, g.record);
      await this.start(g);
    });
  }

  async snapshot(instanceUuid: string, imageId: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'snapshot');
      if (![RUNNING, SHUTDOWN, PAUSED, SUSPENDED].some((s) => s === state)) throw invalidPowerState(g.uuid, state, 'snapshot');
      if (!g.record.hasDisk) throw new HypervisorError(`Instance ${g.uuid} has no root disk to snapshot.`);
      // A running guest is paused while its disk is copied, so the image is consistent.
      const running = state === RUNNING;
      if (running) await g.requireQmp('snapshot').execute('stop');
      try {
        await this.images.exportDisk(g.paths.disk, imageId, await g.alive());
      } finally {
        if (running) await g.qmp?.execute('cont').catch(() => undefined);
      }
    });
  }

  async getInfo(instanceUuid: string): Promise<InstanceInfo> {
    const g = this.requireGuest(instanceUuid, true);
    return { state: await g.refresh() };
  }

  async getDiagnostics(instanceUuid: string): Promise<Diagnostics> {
    const g = this.requireGuest(instanceUuid);
    const state = await g.refresh();
    if (state !== RUNNING) throw invalidPowerState(instanceUuid, state, 'get_diagnostics');
    return qemuDiagnostics(g, this.cfg.clock.now());
  }

  /** QMP inject-nmi: the guest kernel decides (a dump with kdump, a panic with unknown_nmi_panic, or a log line). */
  async triggerCrashDump(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, 'trigger_crash_dump');
      if (state !== RUNNING) throw invalidPowerState(instanceUuid, state, 'trigger_crash_dump');
      await g.requireQmp('trigger_crash_dump').execute('inject-nmi');
    });
  }

  async getConsoleOutput(instanceUuid: string): Promise<string> {
    return this.requireGuest(instanceUuid, true).readConsole();
  }

  async getVncConsole(instanceUuid: string): Promise<ConsoleInfo> {
    const g = await this.consoleGuest(instanceUuid, 'get_vnc_console');
    const vnc = await g.requireQmp('get_vnc_console').execute('query-vnc');
    const port = Number(vnc.service ?? g.record.ports?.vnc);
    return { host: this.cfg.consoleListen, port };
  }

  async getSpiceConsole(instanceUuid: string): Promise<ConsoleInfo> {
    const g = await this.consoleGuest(instanceUuid, 'get_spice_console');
    const spice = await g.requireQmp('get_spice_console').execute('query-spice');
    return { host: this.cfg.consoleListen, port: spice.port ?? g.record.ports!.spice };
  }

  async getSerialConsole(instanceUuid: string): Promise<ConsoleInfo> {
    const g = await this.consoleGuest(instanceUuid, 'get_serial_console');
    return { host: this.cfg.consoleListen, port: g.record.ports!.serial };
  }

  registerEventListener(listener: LifecycleListener): void {
    this.listeners.push(listener);
  }

  /** Inspection for tests and `novacell` diagnostics: pid and directory of a guest. */
  guestProcess(instanceUuid: string): { pid: number | undefined; dir: string } | undefined {
    const g = this.guests.get(instanceUuid);
    return g && { pid: g.pid, dir: g.paths.dir };
  }

  // --- internals -------------------------------------------------------------------------------------

  /** A new guest (building) with the record a spawn or an incoming migration starts from. */
  private newGuestFor(ctx: SpawnContext): QemuGuest {
    const inst = ctx.instance;
    if (this.guests.has(inst.uuid)) throw new InstanceExists(inst.name);
    const paths = new GuestPaths(join(this.cfg.instancesPath, inst.uuid));
    const record: GuestRecord = {
      uuid: inst.uuid, name: inst.name, hostname: inst.hostname, vcpus: Math.max(1, inst.vcpus),
      memoryMb: Math.max(128, inst.memoryMb), rootGb: inst.rootGb, imageId: ctx.image.id, directKernel: false,
      hasDisk: false, network: guestNetwork(inst.uuid, ctx.networkInfo), rescue: null, ports: null,
      kernelId: stringProp(ctx.image.properties, 'kernel_id'), ramdiskId: stringProp(ctx.image.properties, 'ramdisk_id'),
      projectId: inst.projectId, configDrive: spawnRequiresConfigDrive(ctx, this.cfg.forceConfigDrive),
    };
    return this.newGuest(inst.uuid, paths, record);
  }

  /** The guest's directory: boot files, the overlay on the cached image, the config drive, the record. */
  private async layOut(g: QemuGuest, ctx: SpawnContext): Promise<void> {
    const { record, paths } = g;
    const files = await this.images.bootFiles(ctx.image);
    this.checkNotDestroyed(g);
    await copyBootFiles(files, paths.kernel, paths.ramdisk, paths.dir);
    record.directKernel = files.kernel !== undefined;
    record.hasDisk = await prepareDisk(this.images, files, paths.disk, ctx.instance.rootGb);
    if (record.configDrive) {
      // Nova's _create_configdrive: the metadata trees on an ISO labelled config-2, built on this host.
      await configDriveFor(metadataInstanceOf(ctx), paths.configDrive, 'nova', randomBytes(512), { mkisofs: this.cfg.mkisofs });
    }
    await writeRecord(paths, record);
    this.checkNotDestroyed(g);
  }

  /** A build (or incoming migration) failed: nothing of it is left. */
  private async discardBuild(g: QemuGuest): Promise<void> {
    if (g.destroyed) throw new InstanceNotFound(g.uuid);
    await g.kill().catch(() => undefined);
    g.qmp?.close();
    this.guests.delete(g.uuid);
    await this.closeMetadataProxy(g.uuid);
    await rm(g.paths.dir, { recursive: true, force: true });
  }

  private newGuest(uuid: string, paths: GuestPaths, record: GuestRecord): QemuGuest {
    const g = new QemuGuest(uuid, paths, record, this.cfg.clock, (guest, from, to) => {
      const t = lifecycleTransition(from, to);
      if (t && this.guests.get(guest.uuid) === guest) this.emit(guest.uuid, t);
    });
    this.guests.set(uuid, g);
    return g;
  }

  /** Launch QEMU for the guest and wait for its boot banner (direct-kernel guests print one). */
  private async start(g: QemuGuest): Promise<void> {
    const offset = await g.consoleOffset();
    await this.launch(g, false);
    await this.waitBoot(g, offset);
  }

  private async waitBoot(g: QemuGuest, offset: number): Promise<void> {
    const direct = g.record.rescue ? g.record.rescue.directKernel : g.record.directKernel;
    if (direct) await g.waitBanner(offset, this.cfg.bootTimeoutS * 1000);
    await g.refresh();
  }

  private async launch(g: QemuGuest, incoming: boolean): Promise<void> {
    const metadataSocket = await this.metadataProxyFor(g);
    for (let attempt = 1; ; attempt++) {
      const ports = await allocatePorts(this.cfg.consoleListen);
      g.record = { ...g.record, ports };
      await writeRecord(g.paths, g.record);
      await rm(g.paths.qmpSocket, { force: true });
      try {
        g.pid = await launchQemu(g.record, g.paths, ports, {
          binary: this.cfg.binary, accel: this.cfg.accel, listen: this.cfg.consoleListen, incoming,
          ...(metadataSocket ? { metadataSocket } : {}),
        });
        break;
      } catch (e) {
        // Another process took a console port between our check and QEMU's bind: try new ports.
        if (attempt >= 3 || !/in use|bind|listen/i.test(errorMessage(e))) throw e;
      }
    }
    await g.attach();
  }

  /**
   * The guest's metadata proxy, started if need be; its socket, or undefined when this host has no
   * metadata service configured (or the path cannot be handed to QEMU's guestfwd).
   */
  private async metadataProxyFor(g: QemuGuest): Promise<string | undefined> {
    const md = this.cfg.metadata;
    if (!md || !g.record.projectId) return undefined;
    const socketPath = g.paths.metadataSocket;
    if (!usableForGuestForward(socketPath)) {
      this.cfg.log?.warn({ instance: g.uuid, socket: socketPath }, 'instances_path unusable for the metadata link (characters or length): guest gets no metadata service');
      return undefined;
    }
    if (!this.proxies.has(g.uuid)) {
      this.proxies.set(g.uuid, await MetadataProxy.start({
        socketPath, instanceUuid: g.uuid, projectId: g.record.projectId, sharedSecret: md.sharedSecret, metadataUrl: md.url,
      }));
    }
    return socketPath;
  }

  private async closeMetadataProxy(uuid: string): Promise<void> {
    const p = this.proxies.get(uuid);
    this.proxies.delete(uuid);
    await p?.close().catch(() => undefined);
  }

  /** ACPI power button, pressed again every SHUTDOWN_RETRY_INTERVAL; true if the guest went down in time. */
  private async cleanShutdown(g: QemuGuest, timeoutS: number): Promise<boolean> {
    if (timeoutS <= 0) return false;
    const deadline = this.cfg.clock.now() + timeoutS * 1000;
    while (this.cfg.clock.now() < deadline) {
      await g.qmp?.execute('system_powerdown').catch(() => undefined);
      const wait = Math.min(SHUTDOWN_RETRY_INTERVAL_S * 1000, deadline - this.cfg.clock.now());
      if (await g.waitExit(wait)) return true;
    }
    return false;
  }

  private async qmpTransition(uuid: string, method: string, from: PowerState, command: 'stop' | 'cont'): Promise<void> {
    const g = this.requireGuest(uuid);
    await g.serial(async () => {
      const state = await g.refresh();
      this.checkNotRescued(g, method);
      if (state !== from) throw invalidPowerState(uuid, state, method);
      await g.requireQmp(method).execute(command);
      await g.refresh();
    });
  }

  private async consoleGuest(uuid: string, method: string): Promise<QemuGuest> {
    const g = this.requireGuest(uuid);
    const state = await g.refresh();
    if (state !== RUNNING && state !== PAUSED) throw invalidPowerState(uuid, state, method);
    return g;
  }

  /** The AMI properties of the guest's own image (rescue boots it again when no rescue image is given). */
  private async imagePropsOf(g: QemuGuest): Promise<Record<string, unknown>> {
    const props: Record<string, unknown> = {};
    if (g.record.kernelId) props['kernel_id'] = g.record.kernelId;
    if (g.record.ramdiskId) props['ramdisk_id'] = g.record.ramdiskId;
    return props;
  }

  private requireHost(what: string): string {
    if (this.host === undefined) throw new HypervisorError(`Cannot ${what}: the qemu driver is not initialised (call init(host) first).`);
    return this.host;
  }

  /** A known guest; one still building only for read-only calls (`building` true). */
  private requireGuest(uuid: string, building = false): QemuGuest {
    const g = this.guests.get(uuid);
    if (!g) throw new InstanceNotFound(uuid);
    if (g.building && !building) throw invalidPowerState(uuid, NOSTATE, 'operate on a building guest');
    return g;
  }

  private checkNotRescued(g: QemuGuest, method: string): void {
    if (g.record.rescue) throw invalidState(g.uuid, 'vm_state', 'rescued', method);
  }

  private checkNotDestroyed(g: QemuGuest): void {
    if (g.destroyed) throw new InstanceNotFound(g.uuid);
  }

  private async acquireBuildSlot(): Promise<void> {
    if (this.buildSlots > 0) {
      this.buildSlots--;
      return;
    }
    await new Promise<void>((resolve) => this.buildWaiters.push(resolve));
  }

  private releaseBuildSlot(): void {
    const next = this.buildWaiters.shift();
    if (next) next();
    else this.buildSlots++;
  }

  private emit(instanceUuid: string, transition: Parameters<LifecycleListener>[0]['transition']): void {
    const event = { instanceUuid, transition, timestamp: this.cfg.clock.now() };
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.cfg.log?.error({ err, instance_uuid: instanceUuid, transition }, 'lifecycle event listener failed');
      }
    }
  }
}

function stringProp(props: Readonly<Record<string, unknown>>, key: string): string | null {
  const v = Object.hasOwn(props, key) ? props[key] : undefined;
  return typeof v === 'string' && v ? v : null;
}

/** Single-quote a path for the /bin/sh QEMU runs `exec:` migrations with. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
