/**
 * The driver a planned host gets from its topology entry: the FakeDriver (sized and tuned from the
 * topology), or a real hypervisor — `qemu` (one QEMU per guest over QMP) or `libvirt` — whose guests
 * live under `<data_dir>/instances/<host>` unless driver_options.instances_path says otherwise, and
 * which read image data from the image service's store, `<data_dir>/images`.
 */
import { join, resolve } from 'node:path';
import type { Clock } from '../../runtime/clock/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import type { PlanHost } from '../../topology/plan-types.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';
import { QemuDriver } from '../../actors/compute/drivers/qemu/index.ts';
import { LibvirtDriver } from '../../actors/compute/drivers/libvirt/index.ts';

/** Where real drivers keep guests and find images; absent in simulations, which only run fake hosts. */
export interface DriverEnvironment {
  dataDir: string;
  log?: Logger;
  /** nova-api-metadata and the proxy secret, for qemu guests' metadata link (docs/metadata.md). */
  metadata?: { url: string; sharedSecret: string };
  /** The cell's [DEFAULT] force_config_drive. */
  forceConfigDrive?: boolean;
  /**
   * Where fake hosts keep their guests across restarts: default `<data_dir>/fake-hypervisor`; null
   * keeps them in memory (a cell whose database is in memory too).
   */
  fakeStateDir?: string | null;
}

/** The directory fake hosts write their guests to, if any. */
export function fakeStateDirOf(env: DriverEnvironment | undefined): string | undefined {
  if (!env || env.fakeStateDir === null) return undefined;
  return env.fakeStateDir ?? join(resolve(env.dataDir), 'fake-hypervisor');
}

export function defaultDriver(clock: Clock, rng: Rng, h: PlanHost, env?: DriverEnvironment): ComputeDriver {
  if (h.driver === 'fake') {
    const stateDir = fakeStateDirOf(env);
    return new FakeDriver({
      clock, rng: rng.stream(`fake-driver:${h.name}`), ...(stateDir ? { stateDir } : {}), log: env?.log?.child({ host: h.name, driver: 'fake' }),
      resources: { vcpus: h.vcpus, memoryMb: h.memory_mb, localGb: h.disk_gb, hypervisorType: h.hypervisor_type, cpuArch: h.cpu_arch },
      spawnTimeMs: h.driver_options.spawn_time_ms ?? 0, failureRate: h.driver_options.failure_rate ?? 0,
      ...(h.driver_options.vnc_console ? { consoles: { vnc: hostPort(h.driver_options.vnc_console) } } : {}),
    });
  }
  if (!env) throw new Error(`host ${h.name}: the ${h.driver} driver needs a data directory (run it with novacell up or compute run)`);
  const dataDir = resolve(env.dataDir);
  const o = h.driver_options;
  const common = {
    clock,
    instancesPath: o.instances_path ? resolve(dataDir, o.instances_path) : join(dataDir, 'instances', h.name),
    imageStore: join(dataDir, 'images'),
    caps: { vcpus: h.vcpus, memoryMb: h.memory_mb, localGb: h.disk_gb },
    bootTimeoutS: o.boot_timeout_s,
    maxConcurrentBuilds: o.max_concurrent_builds,
    log: env.log?.child({ host: h.name, driver: h.driver }),
  };
  if (h.driver === 'libvirt') return new LibvirtDriver({ ...common, uri: o.uri, virtType: o.virt_type });
  return new QemuDriver({
    ...common, binary: o.binary, accel: o.accel,
    ...(env.metadata ? { metadata: env.metadata } : {}), ...(env.forceConfigDrive ? { forceConfigDrive: true } : {}),
  });
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}
