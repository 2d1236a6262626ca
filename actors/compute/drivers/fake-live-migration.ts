/**
 * The fake hypervisor's live migration: a modelled memory transfer on the injected Clock. It takes
 * memoryMb / bandwidth seconds (Nova's [libvirt] live_migration_bandwidth, in MiB/s; the fake's
 * default 119 MiB/s is a 1 Gbit/s link), can be aborted (live_migration_abort) or forced to finish
 * now (live_migration_force_complete, as pausing the guest lets the last pass converge). Progress
 * (bytes across so far) is told every second of the transfer, as a real driver polls its hypervisor.
 */
import type { Clock, TimerHandle } from '../../../runtime/clock/index.ts';
import { InstanceInvalidState } from '../../../runtime/errors/index.ts';
import { HypervisorError } from '../../../runtime/errors/index.ts';
import type { LiveMigrationProgress } from './driver.ts';

export const FAKE_LIVE_MIGRATION_MIBPS = 119;
const PROGRESS_EVERY_MS = 1000;
const MIB = 1024 * 1024;

interface Transfer {
  timer: TimerHandle;
  ticker: TimerHandle | undefined;
  finish(): void;
  fail(err: Error): void;
}

export class FakeLiveMigrations {
  private readonly transfers = new Map<string, Transfer>();

  constructor(private readonly clock: Clock, private readonly bandwidthMiBps = FAKE_LIVE_MIGRATION_MIBPS) {
    if (!(bandwidthMiBps > 0)) throw new RangeError(`live migration bandwidth must be > 0 MiB/s, got ${bandwidthMiBps}`);
  }

  /** How long a guest of `memoryMb` takes to move. */
  durationMs(memoryMb: number): number {
    return Math.ceil((memoryMb / this.bandwidthMiBps) * 1000);
  }

  /** Resolves when the memory has crossed; rejects when aborted. */
  transfer(uuid: string, memoryMb: number, onProgress?: (p: LiveMigrationProgress) => void): Promise<void> {
    if (this.transfers.has(uuid)) return Promise.reject(new InstanceInvalidState(`Instance ${uuid} is already being live-migrated.`));
    const total = memoryMb * MIB;
    const started = this.clock.now();
    const duration = this.durationMs(memoryMb);
    const report = () => {
      const done = Math.min(total, Math.floor((total * (this.clock.now() - started)) / duration));
      onProgress?.({
        memoryTotalBytes: total, memoryProcessedBytes: done, memoryRemainingBytes: total - done,
        diskTotalBytes: 0, diskProcessedBytes: 0, diskRemainingBytes: 0,
      });
    };
    return new Promise<void>((resolve, reject) => {
      const end = () => {
        this.clock.clearTimer(t.timer);
        if (t.ticker) this.clock.clearTimer(t.ticker);
        this.transfers.delete(uuid);
      };
      const tick = () => {
        report();
        t.ticker = this.clock.setTimeout(tick, PROGRESS_EVERY_MS);
      };
      const t: Transfer = {
        timer: this.clock.setTimeout(() => t.finish(), duration),
        ticker: onProgress ? this.clock.setTimeout(tick, PROGRESS_EVERY_MS) : undefined,
        finish: () => { end(); resolve(); },
        fail: (err) => { end(); reject(err); },
      };
      this.transfers.set(uuid, t);
    });
  }

  abort(uuid: string): void {
    const t = this.transfers.get(uuid);
    if (!t) throw new InstanceInvalidState(`Instance ${uuid} has no live migration to abort.`);
    t.fail(new HypervisorError(`Live migration of instance ${uuid} was aborted.`));
  }

  forceComplete(uuid: string): void {
    const t = this.transfers.get(uuid);
    if (!t) throw new InstanceInvalidState(`Instance ${uuid} has no live migration to complete.`);
    t.finish();
  }

  /** The driver is shutting down: transfers under way fail. */
  abortAll(): void {
    for (const [uuid, t] of [...this.transfers]) t.fail(new HypervisorError(`Live migration of instance ${uuid} abandoned: the driver was shut down.`));
  }
}
