/**
 * The fake hypervisor's live migration: a modelled memory transfer on the injected Clock. It takes
 * memoryMb / bandwidth seconds (Nova's [libvirt] live_migration_bandwidth, in MiB/s; the fake's
 * default 119 MiB/s is a 1 Gbit/s link), can be aborted (live_migration_abort) or forced to finish
 * now (live_migration_force_complete, as pausing the guest lets the last pass converge).
 */
import type { Clock, TimerHandle } from '../../../runtime/clock/index.ts';
import { InstanceInvalidState } from '../../../runtime/errors/index.ts';
import { HypervisorError } from '../../../runtime/errors/index.ts';

export const FAKE_LIVE_MIGRATION_MIBPS = 119;

interface Transfer {
  timer: TimerHandle;
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
  transfer(uuid: string, memoryMb: number): Promise<void> {
    if (this.transfers.has(uuid)) return Promise.reject(new InstanceInvalidState(`Instance ${uuid} is already being live-migrated.`));
    return new Promise<void>((resolve, reject) => {
      const end = () => {
        this.clock.clearTimer(t.timer);
        this.transfers.delete(uuid);
      };
      const t: Transfer = {
        timer: this.clock.setTimeout(() => t.finish(), this.durationMs(memoryMb)),
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
