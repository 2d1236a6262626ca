/**
 * QemuDriver options: where guests and images live, which QEMU to run, Nova's timeouts, and the
 * caps a topology puts on what the host reports. Checked at construction, so a bad topology fails
 * when the compute service starts rather than on the first build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Clock } from '../../../../runtime/clock/index.ts';
import type { Logger } from '../../../../runtime/log/index.ts';

export interface QemuDriverOptions {
  clock: Clock;
  /** Nova's [DEFAULT] instances_path: one directory per guest under it. */
  instancesPath: string;
  /**
   * The image service's file store (Glance's filesystem backend, read directly as Nova does with
   * [glance] allowed_direct_url_schemes = file): image data is `<imageStore>/<image id>`.
   */
  imageStore: string;
  /** qemu-system-x86_64 by default. */
  binary?: string;
  qemuImg?: string;
  /** kvm when the host can run KVM guests (see hostAccel), else tcg. */
  accel?: 'kvm' | 'tcg';
  /** Caps on what getAvailableResource reports (the topology's vcpus / memory_mb / disk_gb). */
  caps?: { vcpus?: number; memoryMb?: number; localGb?: number };
  /** Nova's [DEFAULT] shutdown_timeout: seconds a clean ACPI power-off may take (default 60). */
  shutdownTimeoutS?: number;
  /** Seconds a guest may take from process start to its boot banner on the serial console. */
  bootTimeoutS?: number;
  /** Nova's [DEFAULT] max_concurrent_builds; 2 keeps a 2-core machine responsive under TCG. */
  maxConcurrentBuilds?: number;
  /** Address the VNC, SPICE and serial consoles listen on (Nova's [vnc] server_listen). */
  consoleListen?: string;
  /**
   * nova-api-metadata for this host's guests: each guest gets a metadata link (a second user-mode
   * NIC on 169.254.0.0/16) whose 169.254.169.254:80 reaches a per-guest proxy that signs as it.
   */
  metadata?: { url: string; sharedSecret: string };
  /** Nova's [DEFAULT] force_config_drive. */
  forceConfigDrive?: boolean;
  /** Nova's [libvirt] live_migration_bandwidth: MiB/s a live migration may use; 0 leaves QEMU's default. */
  liveMigrationBandwidthMiBps?: number;
  /** Nova's [DEFAULT] mkisofs_cmd (genisoimage). */
  mkisofs?: string;
  log?: Logger;
}

export interface QemuDriverConfig {
  clock: Clock;
  instancesPath: string;
  imageStore: string;
  binary: string;
  qemuImg: string;
  accel: 'kvm' | 'tcg';
  caps: { vcpus?: number; memoryMb?: number; localGb?: number };
  shutdownTimeoutS: number;
  bootTimeoutS: number;
  maxConcurrentBuilds: number;
  consoleListen: string;
  metadata: { url: string; sharedSecret: string } | undefined;
  forceConfigDrive: boolean;
  liveMigrationBandwidthMiBps: number;
  mkisofs: string;
  log: Logger | undefined;
}

/**
 * The registry's option bag as QemuDriverOptions: the two paths every QEMU-based driver needs must be
 * there (resolveQemuConfig checks the rest).
 */
export function qemuOptionsFrom<O extends { clock: Clock; [option: string]: unknown }>(opts: O): O & QemuDriverOptions {
  const { instancesPath, imageStore } = opts;
  if (typeof instancesPath !== 'string') throw new RangeError(`QemuDriver instancesPath must be an absolute path, got ${String(instancesPath)}`);
  if (typeof imageStore !== 'string') throw new RangeError(`QemuDriver imageStore must be an absolute path, got ${String(imageStore)}`);
  return { ...opts, instancesPath, imageStore };
}

/**
 * The accelerator a stock guest kernel can use here: kvm only when /dev/kvm exists and the CPU
 * advertises hardware virtualisation (vmx or svm in /proc/cpuinfo). A /dev/kvm without them is a
 * paravirtual KVM (kvm-pvm on some cloud VMs) that only runs guests built for it: a stock kernel hangs
 * at its first instructions there, so such a host gets TCG.
 */
export function hostAccel(devKvm = existsSync('/dev/kvm'), cpuinfo = readCpuinfo()): 'kvm' | 'tcg' {
  return devKvm && /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo) ? 'kvm' : 'tcg';
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

export function resolveQemuConfig(o: QemuDriverOptions): QemuDriverConfig {
  for (const key of ['instancesPath', 'imageStore'] as const) {
    if (typeof o[key] !== 'string' || !isAbsolute(o[key])) throw new RangeError(`QemuDriver ${key} must be an absolute path, got ${String(o[key])}`);
  }
  const positive = (name: string, v: number | undefined, dflt: number): number => {
    const x = v ?? dflt;
    if (!Number.isFinite(x) || x < 0) throw new RangeError(`QemuDriver ${name} must be a number >= 0, got ${x}`);
    return x;
  };
  const maxBuilds = positive('maxConcurrentBuilds', o.maxConcurrentBuilds, 2);
  if (maxBuilds < 1 || !Number.isInteger(maxBuilds)) throw new RangeError(`QemuDriver maxConcurrentBuilds must be a whole number >= 1, got ${maxBuilds}`);
  return {
    clock: o.clock,
    instancesPath: o.instancesPath,
    imageStore: o.imageStore,
    binary: o.binary ?? 'qemu-system-x86_64',
    qemuImg: o.qemuImg ?? 'qemu-img',
    accel: o.accel ?? hostAccel(),
    caps: o.caps ?? {},
    shutdownTimeoutS: positive('shutdownTimeoutS', o.shutdownTimeoutS, 60),
    bootTimeoutS: positive('bootTimeoutS', o.bootTimeoutS, 180),
    maxConcurrentBuilds: maxBuilds,
    consoleListen: o.consoleListen ?? '127.0.0.1',
    metadata: o.metadata,
    forceConfigDrive: o.forceConfigDrive ?? false,
    liveMigrationBandwidthMiBps: positive('liveMigrationBandwidthMiBps', o.liveMigrationBandwidthMiBps, 0),
    mkisofs: o.mkisofs ?? 'genisoimage',
    log: o.log,
  };
}
