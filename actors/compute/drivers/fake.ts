/**
 * FakeDriver: an in-memory hypervisor (Nova's nova/virt/fake.py) behind unit tests, one-process
 * topologies and the simulator's 10^5 hosts. Guests are records with a power state; spawning takes
 * `spawnTimeMs` on the injected Clock and fails as configured (a failure rate drawn from the seeded
 * stream, or every time for "a host whose hypervisor is broken"), so a simulation can study
 * rescheduling and the BuildFailureWeigher deterministically per seed.
 *
 * Unlike Nova's fake, every operation checks the guest's power state the way the API and libvirt
 * would, so a manager bug that pauses a stopped guest fails in tests instead of passing silently.
 * With `stateDir` (a deployment's data directory) the guests outlive the process, as a real
 * hypervisor's do: they are written on every change and read back by init() (fake-state.ts).
 */
import type { Clock, TimerHandle } from '../../../runtime/clock/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import {
  ComputeHostNotFound,
  HypervisorError,
  InstanceInvalidState,
  InstanceNotFound,
} from '../../../runtime/errors/index.ts';
import type {
  AvailableResource,
  ComputeDriver,
  ConsoleInfo,
  InstanceInfo,
  LifecycleListener,
  LifecycleTransition,
} from './driver.ts';
import { InstanceExists, invalidPowerState, invalidState } from './errors.ts';
import { FAKE_CAPABILITIES, resolveFakeConfig, type FakeDriverOptions, type FakeDriverResources } from './fake-config.ts';
import { fakeGuestView, lifecycleTransition, newFakeGuest, type FakeGuest, type FakeGuestView } from './fake-guest.ts';
import { PowerState } from './power-state.ts';
import { fakeStateFile, FakeStateFile } from './fake-state.ts';
import { makeDiagnostics, type Diagnostics } from '../../objects/diagnostics.ts';
import type { DestroyOptions, RescueContext, SpawnContext } from './spawn-context.ts';

import type { FakeConsoles } from './fake-config.ts';
import type { LiveMigrationTarget } from './driver.ts';
import { FakeLiveMigrations } from './fake-live-migration.ts';
import { ConsoleTypeUnavailable } from '../../console/errors.ts';

// Importers of fake.ts get its options and view types from here too.
export { FAKE_CAPABILITIES, type FakeDriverOptions, type FakeDriverResources } from './fake-config.ts';
export type { FakeGuestView } from './fake-guest.ts';

/** cpu_info texts by architecture and core count: one string shared by all hosts alike (10^5 in the simulator). */
const cpuInfoTexts = new Map<string, string>();

function cpuInfoText(arch: string, cores: number): string {
  const key = `${cores} ${arch}`;
  let text = cpuInfoTexts.get(key);
  if (text === undefined) {
    const x86 = arch === 'x86_64';
    text = JSON.stringify({
      arch,
      model: x86 ? 'Nehalem' : 'fake',
      vendor: x86 ? 'Intel' : 'fake',
      features: x86 ? ['pge', 'clflush'] : [],
      topology: { cores, threads: 1, sockets: 1 },
    });
    if (cpuInfoTexts.size >= 1000) cpuInfoTexts.clear();
    cpuInfoTexts.set(key, text);
  }
  return text;
}

/** Nova's convert_version_to_int('1.0'). */
const FAKE_HYPERVISOR_VERSION = 1000;

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;

export class FakeDriver implements ComputeDriver {
  readonly name = 'fake';
  readonly capabilities = FAKE_CAPABILITIES;

  private readonly clock: Clock;
  private readonly rng: RandomStream;
  private readonly resources: Required<FakeDriverResources>;
  private readonly spawnTime: () => number;
  private readonly failureRate: number;
  private readonly failSpawn: boolean;
  private readonly log: Logger | undefined;
  private readonly consoles: FakeConsoles;
  /** Insertion-ordered, so listInstanceUuids is deterministic. */
  private readonly guests = new Map<string, FakeGuest>();
  private readonly usedSlots = new Set<number>();
  private readonly listeners: LifecycleListener[] = [];
  /** When each guest last started running (its diagnostics' uptime). */
  private readonly runningSince = new Map<string, number>();
  private host: string | undefined;
  private readonly stateDir: string | undefined;
  /** Set once the guests have been read back from disk (init may run again when the manager restarts). */
  private stateFile: FakeStateFile | undefined;
  /** The state-file write the latest change waits for (undefined: none pending, or no state file). */
  private saving: Promise<void> | undefined;
  private readonly liveMigrations: FakeLiveMigrations;

  constructor(opts: FakeDriverOptions) {
    const config = resolveFakeConfig(opts);
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.resources = config.resources;
    this.spawnTime = config.spawnTime;
    this.failureRate = config.failureRate;
    this.failSpawn = config.failSpawn;
    this.log = opts.log;
    this.consoles = opts.consoles ?? {};
    this.stateDir = opts.stateDir;
    this.liveMigrations = new FakeLiveMigrations(opts.clock, opts.liveMigrationBandwidthMiBps);
  }

  async init(host: string): Promise<void> {
    this.host = host;
    if (this.stateDir === undefined || this.stateFile) return;
    const file = new FakeStateFile(fakeStateFile(this.stateDir, host));
    for (const g of file.load()) {
      if (this.guests.has(g.uuid) || this.usedSlots.has(g.slot)) continue;
      this.guests.set(g.uuid, g);
      this.usedSlots.add(g.slot);
    }
    this.stateFile = file;
    if (this.guests.size > 0) this.log?.info({ host, guests: this.guests.size, file: file.file }, 'fake hypervisor: guests found from before the restart');
  }

  async cleanup(): Promise<void> {
    for (const g of [...this.guests.values()]) {
      g.abortBuild?.(new HypervisorError(`Spawn of instance ${g.uuid} abandoned: the fake driver on ${this.host} was shut down.`));
    }
    this.liveMigrations.abortAll();
    this.host = undefined;
    await this.stateFile?.close();
  }

  async getAvailableNodes(): Promise<string[]> {
    return [this.requireHost('list nodes')];
  }

  async getAvailableResource(nodename: string): Promise<AvailableResource> {
    const host = this.requireHost('report resources');
    if (nodename !== host) throw new ComputeHostNotFound(`Compute host ${nodename} could not be found.`);
    const r = this.resources;
    let vcpusUsed = 0;
    let memoryUsed = 0;
    let diskUsed = 0;
    for (const g of this.guests.values()) {
      vcpusUsed += g.vcpus;
      memoryUsed += g.memoryMb;
      diskUsed += g.diskGb;
    }
    return {
      vcpus: r.vcpus,
      memory_mb: r.memoryMb,
      local_gb: r.localGb,
      vcpus_used: vcpusUsed,
      memory_mb_used: memoryUsed,
      local_gb_used: diskUsed,
      hypervisor_type: r.hypervisorType,
      hypervisor_version: FAKE_HYPERVISOR_VERSION,
      hypervisor_hostname: nodename,
      cpu_info: cpuInfoText(r.cpuArch, r.vcpus),
      disk_available_least: r.localGb - diskUsed,
      supported_instances: [[r.cpuArch, r.hypervisorType.toLowerCase(), 'hvm']],
      numa_topology: null,
    };
  }

  async listInstanceUuids(): Promise<string[]> {
    return [...this.guests.keys()];
  }

  async spawn(ctx: SpawnContext): Promise<void> {
    const host = this.requireHost('spawn');
    const inst = ctx.instance;
    if (this.guests.has(inst.uuid)) throw new InstanceExists(inst.name);
    // Both draws happen before any waiting, so the outcome depends only on the order spawns start.
    const delayMs = this.spawnTime();
    const failure = this.drawFailure();
    const guest = this.addGuest(ctx);
    if (delayMs > 0) await this.waitForBuild(guest, delayMs);
    if (failure) {
      this.removeGuest(guest);
      throw new HypervisorError(`Failed to spawn instance ${inst.uuid} on ${host}: ${failure}.`);
    }
    if (ctx.powerOn ?? true) {
      guest.console.record('boot', this.clock.now());
      this.setState(guest, RUNNING);
    } else {
      this.setState(guest, SHUTDOWN);
    }
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async destroy(instanceUuid: string, _opts?: DestroyOptions): Promise<void> {
    const g = this.guests.get(instanceUuid);
    if (!g) return;
    g.abortBuild?.(new InstanceNotFound(instanceUuid));
    const wasActive = g.state !== NOSTATE && g.state !== SHUTDOWN && g.state !== CRASHED;
    this.removeGuest(g);
    if (wasActive) this.emit(g, 'STOPPED');
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async reboot(instanceUuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    const method = type === 'SOFT' ? 'reboot' : 'reboot_hard';
    const g = this.guestIn(instanceUuid, method, type === 'SOFT' ? [RUNNING] : [RUNNING, PAUSED, SUSPENDED, SHUTDOWN, CRASHED]);
    const now = this.clock.now();
    if (type === 'SOFT') {
      // The guest OS restarts itself; the virtual machine never stops, so the hypervisor reports nothing.
      g.console.record('restart', now);
      g.console.record('boot', now);
      this.persist(g);
      if (this.saving) await this.saving;
      return;
    }
    if (g.state !== SHUTDOWN && g.state !== CRASHED) this.emit(g, 'STOPPED');
    g.state = SHUTDOWN;
    g.console.record('boot', now);
    this.setState(g, RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async powerOff(instanceUuid: string, _timeoutS?: number): Promise<void> {
    // A fake guest honours the ACPI request at once, so the clean-shutdown timeout never runs out.
    const g = this.guestIn(instanceUuid, 'power_off', [RUNNING, PAUSED, SUSPENDED, CRASHED, SHUTDOWN]);
    if (g.state === SHUTDOWN) return;
    if (g.state === RUNNING) g.console.record('halt', this.clock.now());
    this.setState(g, SHUTDOWN);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async powerOn(instanceUuid: string): Promise<void> {
    const g = this.guestIn(instanceUuid, 'power_on', [SHUTDOWN, CRASHED, RUNNING]);
    if (g.state === RUNNING) return;
    g.console.record('boot', this.clock.now());
    this.setState(g, RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async pause(instanceUuid: string): Promise<void> {
    this.setState(this.guestIn(instanceUuid, 'pause', [RUNNING]), PAUSED);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async unpause(instanceUuid: string): Promise<void> {
    this.setState(this.guestIn(instanceUuid, 'unpause', [PAUSED]), RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async suspend(instanceUuid: string): Promise<void> {
    this.setState(this.guestIn(instanceUuid, 'suspend', [RUNNING]), SUSPENDED);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async resume(instanceUuid: string): Promise<void> {
    this.setState(this.guestIn(instanceUuid, 'resume', [SUSPENDED]), RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async rescue(instanceUuid: string, ctx?: RescueContext): Promise<void> {
    const g = this.guestIn(instanceUuid, 'rescue', [RUNNING, SHUTDOWN, CRASHED]);
    if (g.state === RUNNING) this.emit(g, 'STOPPED');
    g.rescued = true;
    g.state = SHUTDOWN;
    g.console.record('rescue-boot', this.clock.now(), ctx?.image?.id ?? g.imageId);
    this.setState(g, RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async unrescue(instanceUuid: string): Promise<void> {
    const g = this.requireGuest(instanceUuid);
    if (!g.rescued) throw new InstanceInvalidState(`Instance ${instanceUuid} is not in rescue mode.`);
    this.emit(g, 'STOPPED');
    g.rescued = false;
    g.state = SHUTDOWN;
    g.console.record('boot', this.clock.now());
    this.setState(g, RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async snapshot(instanceUuid: string, imageId: string): Promise<void> {
    // The API's allowed vm_states (active, stopped, paused, suspended) seen as power states.
    const g = this.guestIn(instanceUuid, 'snapshot', [RUNNING, SHUTDOWN, PAUSED, SUSPENDED]);
    g.snapshots.push(imageId);
    this.persist(g);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async preLiveMigration(_ctx: SpawnContext): Promise<{ migrateUri: string | null }> {
    this.requireHost('receive a live migration');
    return { migrateUri: null };
  }

  /** The memory crosses on the clock; then the guest is gone from here without a STOPPED event (it runs elsewhere). */
  async liveMigration(instanceUuid: string, dest: LiveMigrationTarget): Promise<void> {
    const g = this.guestIn(instanceUuid, 'live_migration', [RUNNING, PAUSED]);
    await this.liveMigrations.transfer(instanceUuid, dest.memoryMb, dest.onProgress);
    this.removeGuest(g);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  /** The guest arrives running (or paused, as it left): no boot on its console. */
  async postLiveMigrationAtDestination(ctx: SpawnContext): Promise<void> {
    if (this.guests.has(ctx.instance.uuid)) return;
    const g = this.addGuest(ctx);
    this.setState(g, ctx.powerOn === false ? PAUSED : RUNNING);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async liveMigrationAbort(instanceUuid: string): Promise<void> {
    this.liveMigrations.abort(instanceUuid);
  }

  async liveMigrationForceComplete(instanceUuid: string): Promise<void> {
    this.liveMigrations.forceComplete(instanceUuid);
  }

  async getInfo(instanceUuid: string): Promise<InstanceInfo> {
    return { state: this.requireGuest(instanceUuid).state };
  }

  async getConsoleOutput(instanceUuid: string): Promise<string> {
    return this.requireGuest(instanceUuid).console.render();
  }

  /** Nova's fake figures shape (it too reports driver libvirt), sized from the guest's flavor. */
  async getDiagnostics(instanceUuid: string): Promise<Diagnostics> {
    const g = this.guestIn(instanceUuid, 'get_diagnostics', [RUNNING]);
    const since = this.runningSince.get(g.uuid) ?? this.clock.now();
    const uptimeS = Math.max(0, Math.floor((this.clock.now() - since) / 1000));
    return makeDiagnostics({
      state: 'running', driver: 'libvirt', hypervisor: 'fake', hypervisor_os: 'fake-os', uptime: uptimeS, config_drive: false,
      memory_details: { maximum: g.memoryMb, used: g.memoryMb },
      cpu_details: Array.from({ length: g.vcpus }, (_, id) => ({ id, time: uptimeS * 1_000_000_000, utilisation: null })),
      nic_details: [{
        mac_address: g.macs[0] ?? null, rx_octets: 0, rx_errors: 0, rx_drop: 0, rx_packets: 0, rx_rate: null,
        tx_octets: 0, tx_errors: 0, tx_drop: 0, tx_packets: 0, tx_rate: null,
      }],
      disk_details: [{ read_bytes: 0, read_requests: 0, write_bytes: 0, write_requests: 0, errors_count: 0 }],
    });
  }

  /** The NMI reaches a running guest: the crash dump is recorded on its console and the guest is CRASHED. */
  async triggerCrashDump(instanceUuid: string): Promise<void> {
    const g = this.guestIn(instanceUuid, 'trigger_crash_dump', [RUNNING]);
    g.console.record('panic', this.clock.now());
    this.setState(g, CRASHED);
    if (this.saving) await this.saving; // the state file holds it before we answer
  }

  async getVncConsole(instanceUuid: string): Promise<ConsoleInfo> {
    return this.realConsole(instanceUuid, 'vnc', 'get_vnc_console', 'novnc');
  }

  async getSpiceConsole(instanceUuid: string): Promise<ConsoleInfo> {
    return this.realConsole(instanceUuid, 'spice', 'get_spice_console', 'spice-html5');
  }

  async getSerialConsole(instanceUuid: string): Promise<ConsoleInfo> {
    return this.realConsole(instanceUuid, 'serial', 'get_serial_console', 'serial');
  }

  registerEventListener(listener: LifecycleListener): void {
    this.listeners.push(listener);
  }

  // --- fault injection and inspection: not part of ComputeDriver -------------------------------------

  /** The guest OS crashed (kernel panic): CRASHED, as the power-state sync will find it. */
  crashGuest(instanceUuid: string): void {
    const g = this.guestIn(instanceUuid, 'crash', [RUNNING]);
    g.console.record('panic', this.clock.now());
    this.setState(g, CRASHED);
  }

  /** The guest powered itself off (`poweroff` inside it): SHUTDOWN while the database still says active. */
  shutdownGuest(instanceUuid: string): void {
    const g = this.guestIn(instanceUuid, 'shutdown', [RUNNING]);
    g.console.record('halt', this.clock.now());
    this.setState(g, SHUTDOWN);
  }

  guest(instanceUuid: string): FakeGuestView | undefined {
    const g = this.guests.get(instanceUuid);
    return g && fakeGuestView(g);
  }

  // --- internals -------------------------------------------------------------------------------------

  private requireHost(what: string): string {
    if (this.host === undefined) throw new HypervisorError(`Cannot ${what}: the fake driver is not initialised (call init(host) first).`);
    return this.host;
  }

  private requireGuest(uuid: string): FakeGuest {
    const g = this.guests.get(uuid);
    if (!g) throw new InstanceNotFound(uuid);
    return g;
  }

  /** The guest, provided it is not rescued or building and is in one of `allowed`. */
  private guestIn(uuid: string, method: string, allowed: readonly PowerState[]): FakeGuest {
    const g = this.requireGuest(uuid);
    if (g.rescued) throw invalidState(uuid, 'vm_state', 'rescued', method);
    if (!allowed.includes(g.state)) throw invalidPowerState(uuid, g.state, method);
    return g;
  }

  private realConsole(uuid: string, kind: keyof FakeConsoles, method: string, type: string): ConsoleInfo {
    this.consoleGuest(uuid, method);
    const c = this.consoles[kind];
    if (!c) throw new ConsoleTypeUnavailable(type);
    return { host: c.host, port: c.port };
  }

  /** Consoles exist while the virtual machine runs, paused or not (rescue included: that is when they matter). */
  private consoleGuest(uuid: string, method: string): FakeGuest {
    const g = this.requireGuest(uuid);
    if (g.state !== RUNNING && g.state !== PAUSED) throw invalidPowerState(uuid, g.state, method);
    return g;
  }

  private drawFailure(): string | undefined {
    if (this.failSpawn) return 'the hypervisor is broken (failSpawn)';
    if (this.failureRate >= 1) return 'injected failure (failureRate 1)';
    // Draw only when the outcome is uncertain, so failureRate 0 leaves the stream untouched.
    if (this.failureRate > 0 && this.rng.next() < this.failureRate) {
      return `injected failure (failureRate ${this.failureRate})`;
    }
    return undefined;
  }

  private addGuest(ctx: SpawnContext): FakeGuest {
    let slot = 0;
    while (this.usedSlots.has(slot)) slot++;
    this.usedSlots.add(slot);
    const guest = newFakeGuest(ctx, slot);
    this.guests.set(guest.uuid, guest);
    return guest;
  }

  private removeGuest(g: FakeGuest): void {
    this.runningSince.delete(g.uuid);
    if (this.guests.get(g.uuid) !== g) return;
    this.guests.delete(g.uuid);
    this.usedSlots.delete(g.slot);
    this.persist(g);
  }

  /** Wait out the build on the clock; destroy() or cleanup() end it early by rejecting. */
  private waitForBuild(g: FakeGuest, delayMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer: TimerHandle = this.clock.setTimeout(() => {
        g.abortBuild = undefined;
        resolve();
      }, delayMs);
      g.abortBuild = (err) => {
        this.clock.clearTimer(timer);
        g.abortBuild = undefined;
        this.removeGuest(g);
        reject(err);
      };
    });
  }

  private setState(g: FakeGuest, to: PowerState): void {
    const from = g.state;
    g.state = to;
    this.persist(g);
    if (from === to) return;
    if (to === RUNNING && from !== PAUSED) this.runningSince.set(g.uuid, this.clock.now());
    const transition = lifecycleTransition(from, to);
    if (transition) this.emit(g, transition);
  }

  /**
   * Ask for guest `g` to be written as it is now, or as gone when it is no longer among the guests (a
   * no-op without stateDir). The write is group-committed
   * (fake-state.ts): the caller's method awaits `saving` (no extra turn without a state file) and lifecycle events wait for it, so
   * nobody hears of a change before the file holds it.
   */
  private persist(g: FakeGuest): void {
    if (!this.stateFile || this.host === undefined) return;
    const p = this.stateFile.save(this.host, g.uuid, this.guests);
    if (p === this.saving) return;
    this.saving = p;
    const settle = (): void => {
      if (this.saving === p) this.saving = undefined;
    };
    p.then(settle, (err: unknown) => {
      settle();
      this.log?.error({ err, file: this.stateFile?.file }, 'fake hypervisor: state file not written');
    });
  }

  private emit(g: FakeGuest, transition: LifecycleTransition): void {
    const event = { instanceUuid: g.uuid, transition, timestamp: this.clock.now() };
    const fire = (): void => {
      for (const listener of this.listeners) {
        // A listener that throws must not undo a state change the hypervisor has already made.
        try {
          listener(event);
        } catch (err) {
          this.log?.error({ err, instance_uuid: g.uuid, transition }, 'lifecycle event listener failed');
        }
      }
    };
    if (this.saving) this.saving.then(fire, fire);
    else fire();
  }
}
