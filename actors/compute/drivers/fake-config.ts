/**
 * FakeDriver configuration: the options a test, a topology file or a simulation scenario sets for a
 * fake host, Nova's defaults for them, and their validation (a bad scenario fails at construction,
 * not halfway through a simulated week).
 */
import type { Logger } from '../../../runtime/log/index.ts';
import type { Clock } from '../../../runtime/clock/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import { DEFAULT_CAPABILITIES, type DriverCapabilities } from './capabilities.ts';

export interface FakeDriverResources {
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** Reported as hypervisor_type; 'QEMU' lets a fake host pass image filters meant for libvirt. */
  hypervisorType?: string;
  cpuArch?: string;
}

export interface FakeDriverOptions {
  clock: Clock;
  /** Consumed only by failureRate, one draw per spawn. */
  rng: RandomStream;
  /** Host totals; Nova's fake defaults are huge so that no test runs out (1000 vCPU, 800000 MB, 600000 GB). */
  resources?: FakeDriverResources;
  /** How long a spawn takes, fixed or drawn per spawn (e.g. from an rng stream); 0 resolves without timers. */
  spawnTimeMs?: number | (() => number);
  /** Probability in [0, 1] that a spawn fails with HypervisorError. */
  failureRate?: number;
  /** Every spawn fails: a host whose hypervisor is broken, which only the BuildFailureWeigher avoids. */
  failSpawn?: boolean;
  /** Where to report a lifecycle listener that threw. */
  log?: Logger;
  /**
   * Real consoles this fake host can offer (e.g. a QEMU display a test started beside it). A fake
   * guest has no screen or serial port of its own, so without one the console calls answer
   * ConsoleTypeUnavailable rather than pointing a proxy at a port where nothing listens.
   */
  consoles?: FakeConsoles;
  /**
   * Keep the guests in `<stateDir>/<host>.json` (0600) so a restarted process finds them; absent,
   * they live in memory only (unit tests, the simulator).
   */
  stateDir?: string;
  /** Live migration speed in MiB/s (Nova's [libvirt] live_migration_bandwidth); 119, a 1 Gbit/s link, by default. */
  liveMigrationBandwidthMiBps?: number;
}

export interface FakeConsoles {
  vnc?: { host: string; port: number };
  spice?: { host: string; port: number };
  serial?: { host: string; port: number };
}

/** Nova's FakeDriver.capabilities: a capable hypervisor, raw images only. */
export const FAKE_CAPABILITIES: Readonly<DriverCapabilities> = Object.freeze({
  ...DEFAULT_CAPABILITIES,
  hasImagecache: true,
  supportsEvacuate: true,
  supportsAttachInterface: true,
  supportsDeviceTagging: true,
  supportsTaggedAttachInterface: true,
  supportsTaggedAttachVolume: true,
  supportsExtendVolume: true,
  supportsMultiattach: true,
  supportsTrustedCerts: true,
  supportsAccelerators: true,
  supportsRemoteManagedPorts: true,
  supportsAddressSpacePassthrough: true,
  supportsAddressSpaceEmulated: true,
  supportsStatelessFirmware: true,
  supportsVirtioFs: true,
  supportsMemBackingFile: true,
  supportsImageTypeRaw: true,
});

export const DEFAULT_FAKE_RESOURCES: Required<FakeDriverResources> = {
  vcpus: 1000,
  memoryMb: 800_000,
  localGb: 600_000,
  hypervisorType: 'fake',
  cpuArch: 'x86_64',
};

/** Options checked and defaulted. */
export interface FakeDriverConfig {
  resources: Required<FakeDriverResources>;
  spawnTime: () => number;
  failureRate: number;
  failSpawn: boolean;
}

export function resolveFakeConfig(opts: FakeDriverOptions): FakeDriverConfig {
  const resources = { ...DEFAULT_FAKE_RESOURCES, ...stripUndefined(opts.resources ?? {}) };
  for (const key of ['vcpus', 'memoryMb', 'localGb'] as const) {
    const v = resources[key];
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`FakeDriver resources.${key} must be >= 0, got ${v}`);
  }
  const failureRate = opts.failureRate ?? 0;
  if (!(failureRate >= 0 && failureRate <= 1)) {
    throw new RangeError(`FakeDriver failureRate must be within [0, 1], got ${failureRate}`);
  }
  const st = opts.spawnTimeMs ?? 0;
  if (typeof st === 'number') checkSpawnTime(st);
  return {
    resources,
    spawnTime: typeof st === 'function' ? () => checkSpawnTime(st()) : () => st,
    failureRate,
    failSpawn: opts.failSpawn ?? false,
  };
}

export function checkSpawnTime(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`FakeDriver spawnTimeMs must be a finite number >= 0, got ${ms}`);
  return ms;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
