/**
 * Live migration between two QEMU processes, as Nova's libvirt driver has libvirt do it for guests on
 * local (non-shared) disks: the destination QEMU is started with the guest's machine and
 * `-incoming defer`, listens for the migration stream on a loopback port and exports its own copy of
 * the guest's disk (a fresh overlay on the same image) over NBD (`nbd-server-start`, `nbd-server-add` writable); the source mirrors
 * its disk into that export (`drive-mirror`, sync=top since both overlays sit on the same image, in
 * write-blocking mode so the copy stays in step once ready), then migrates its memory with QMP
 * `migrate`; progress comes from `query-migrate` and `query-block-jobs`. Abort is `migrate_cancel`
 * (or cancelling the mirror); force-complete pauses the source so the last pass converges.
 */
import type { Clock } from '../../../../runtime/clock/index.ts';
import { HypervisorError, errorMessage } from '../../../../runtime/errors/index.ts';
import type { LiveMigrationProgress } from '../driver.ts';
import type { QmpClient } from './qmp.ts';

/** The block device id the guest's root disk has on QEMU's command line (process.ts). */
export const ROOT_DRIVE_ID = 'disk';
const MIRROR_JOB = 'migrate-disk';
const POLL_MS = 250;

export interface Endpoint {
  host: string;
  port: number;
}

/** Where the destination listens: the migration stream and, for a guest with a disk, its NBD export. */
export interface MigrateTarget {
  migration: Endpoint;
  nbd: Endpoint | null;
}

// The driver-to-driver form of a target (Nova's migrate_uri, opaque to the conductor):
// `tcp:HOST:PORT` or `tcp:HOST:PORT;nbd:HOST:PORT`, IPv4 loopback or hostnames only.
const ENDPOINT = /^(tcp|nbd):([A-Za-z0-9.-]{1,253}):(\d{1,5})$/;

export function formatMigrateUri(t: MigrateTarget): string {
  const parts = [`tcp:${t.migration.host}:${t.migration.port}`];
  if (t.nbd) parts.push(`nbd:${t.nbd.host}:${t.nbd.port}`);
  return parts.join(';');
}

export function parseMigrateUri(uri: string): MigrateTarget {
  const bad = () => new HypervisorError(`Invalid live migration URI from the destination: ${JSON.stringify(uri.slice(0, 100))}`);
  let migration: Endpoint | undefined;
  let nbd: Endpoint | null = null;
  for (const part of uri.split(';')) {
    const m = ENDPOINT.exec(part);
    if (!m) throw bad();
    const port = Number(m[3]);
    if (port < 1 || port > 65535) throw bad();
    const e = { host: m[2]!, port };
    if (m[1] === 'tcp' && !migration) migration = e;
    else if (m[1] === 'nbd' && !nbd) nbd = e;
    else throw bad();
  }
  if (!migration) throw bad();
  return { migration, nbd };
}

/** Destination: listen for the stream and export its disk (an overlay on the same image, empty so far) writable over NBD. */
export async function receive(qmp: QmpClient, listen: string, ports: { migration: number; nbd: number | null }): Promise<MigrateTarget> {
  await qmp.execute('migrate-incoming', { uri: `tcp:${listen}:${ports.migration}` });
  let nbd: Endpoint | null = null;
  if (ports.nbd !== null) {
    await qmp.execute('nbd-server-start', { addr: { type: 'inet', data: { host: listen, port: String(ports.nbd) } } });
    await qmp.execute('nbd-server-add', { device: ROOT_DRIVE_ID, writable: true });
    nbd = { host: listen, port: ports.nbd };
  }
  return { migration: { host: listen, port: ports.migration }, nbd };
}

/** What a finished migration measured (QEMU's own figures). */
export interface MigrationFigures {
  totalTimeMs: number;
  downtimeMs: number;
  memoryBytes: number;
  diskBytes: number;
}

/** Source: one outgoing migration; abort() and forceComplete() act on it while run() is under way. */
export class OutgoingMigration {
  private aborted = false;
  private paused = false;
  private migrating = false;
  private disk = { total: 0, processed: 0 };

  constructor(
    private readonly qmp: QmpClient,
    private readonly clock: Clock,
    private readonly uuid: string,
    private readonly onProgress: (p: LiveMigrationProgress) => void = () => undefined,
  ) {}

  /** Send the guest; `bandwidthMiBps` (0: QEMU's default) caps the memory stream. */
  async run(target: MigrateTarget, hasDisk: boolean, bandwidthMiBps = 0): Promise<MigrationFigures> {
    const { qmp } = this;
    let mirroring = false;
    try {
      if (hasDisk) {
        if (!target.nbd) throw new HypervisorError(`Instance ${this.uuid} has a local disk but the destination offers no NBD export for it.`);
        await qmp.execute('drive-mirror', {
          'job-id': MIRROR_JOB, device: ROOT_DRIVE_ID, target: `nbd://${target.nbd.host}:${target.nbd.port}/${ROOT_DRIVE_ID}`,
          format: 'raw', sync: 'top', mode: 'existing', 'copy-mode': 'write-blocking',
        });
        mirroring = true;
        await this.waitMirrorReady();
      }
      this.checkAborted();
      if (bandwidthMiBps > 0) await qmp.execute('migrate-set-parameters', { 'max-bandwidth': Math.round(bandwidthMiBps * 1024 * 1024) });
      this.migrating = true;
      await qmp.execute('migrate', { uri: `tcp:${target.migration.host}:${target.migration.port}` });
      const figures = await this.waitMigrated();
      if (mirroring) {
        mirroring = false;
        // The guest now runs on the destination; the source's copy must not write to it any more.
        await qmp.execute('block-job-cancel', { device: MIRROR_JOB, force: true }).catch(() => undefined);
      }
      return figures;
    } catch (e) {
      if (mirroring) await qmp.execute('block-job-cancel', { device: MIRROR_JOB, force: true }).catch(() => undefined);
      // A source paused by force-complete runs again: the guest stays here.
      if (this.paused) await qmp.execute('cont').catch(() => undefined);
      throw e instanceof HypervisorError ? e : new HypervisorError(`Live migration of instance ${this.uuid} failed: ${errorMessage(e)}`);
    }
  }

  /** live_migration_abort: the guest keeps running on the source. */
  async abort(): Promise<void> {
    this.aborted = true;
    if (this.migrating) await this.qmp.execute('migrate_cancel');
  }

  /** live_migration_force_complete: pause the source so the remaining memory crosses in one pass. */
  async forceComplete(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    await this.qmp.execute('stop');
  }

  private checkAborted(): void {
    if (this.aborted) throw new HypervisorError(`Live migration of instance ${this.uuid} was aborted.`);
  }

  private async waitMirrorReady(): Promise<void> {
    for (;;) {
      this.checkAborted();
      const jobs = await this.qmp.execute('query-block-jobs');
      const job = jobs.find((j) => j.device === MIRROR_JOB);
      if (!job) throw new HypervisorError(`Copying the disk of instance ${this.uuid} to the destination failed.`);
      if (job.status === 'concluded' || job.status === 'aborting' || job.status === 'null') {
        throw new HypervisorError(`Copying the disk of instance ${this.uuid} to the destination failed: ${job.error ?? job.status}`);
      }
      this.disk = { total: job.len, processed: Math.min(job.offset, job.len) };
      this.onProgress(this.progress(undefined));
      if (job.ready) return;
      await this.clock.sleep(POLL_MS);
    }
  }

  private async waitMigrated(): Promise<MigrationFigures> {
    for (;;) {
      const m = await this.qmp.execute('query-migrate');
      if (m.status === 'completed') {
        this.onProgress(this.progress(m.ram, true));
        return {
          totalTimeMs: m['total-time'] ?? 0, downtimeMs: m.downtime ?? 0,
          memoryBytes: m.ram?.transferred ?? 0, diskBytes: this.disk.total,
        };
      }
      if (m.status === 'failed' || m.status === 'cancelled' || m.status === 'cancelling') {
        if (m.status === 'cancelling') {
          await this.clock.sleep(POLL_MS);
          continue;
        }
        if (this.aborted || m.status === 'cancelled') throw new HypervisorError(`Live migration of instance ${this.uuid} was aborted.`);
        throw new HypervisorError(`Live migration of instance ${this.uuid} failed: ${m['error-desc'] ?? m.status}`);
      }
      this.onProgress(this.progress(m.ram));
      await this.clock.sleep(POLL_MS);
    }
  }

  private progress(ram: { total: number; transferred: number; remaining: number } | undefined, done = false): LiveMigrationProgress {
    const memTotal = ram?.total ?? 0;
    return {
      memoryTotalBytes: memTotal,
      memoryProcessedBytes: done ? memTotal : Math.min(ram?.transferred ?? 0, memTotal),
      memoryRemainingBytes: done ? 0 : (ram?.remaining ?? memTotal),
      diskTotalBytes: this.disk.total,
      diskProcessedBytes: done ? this.disk.total : this.disk.processed,
      diskRemainingBytes: done ? 0 : this.disk.total - this.disk.processed,
    };
  }
}
