/**
 * The compute host's part in moving an instance (nova/compute/manager.py resize_instance,
 * finish_resize, confirm_resize, revert_resize, finish_revert_resize, pre_live_migration,
 * live_migration, post_live_migration_at_destination, rollback_live_migration_at_destination,
 * rebuild_instance for an evacuation). The conductor (conductor/tasks/migrate.ts) sequences them;
 * each step here touches only this host's hypervisor and says whether it worked.
 */
import { NovaError } from '../../runtime/errors/index.ts';
import type { MoveStep } from '../conductor/messages.ts';
import type { ComputeDriver, LiveMigrationTarget } from './drivers/driver.ts';
import { PowerState } from './drivers/power-state.ts';
import type { SpawnContext } from './drivers/spawn-context.ts';
import type { ComputeInstanceTaskBody, ComputePreLiveMigrationBody } from './messages.ts';

type MoveTaskBody = ComputeInstanceTaskBody;

/** Steps that answer nothing of their own (the live migration they act on answers). */
const SILENT = new Set(['abort_migration', 'force_complete']);

export function isMoveStepBody(b: ComputeInstanceTaskBody): b is MoveTaskBody & { task: MoveStep | { kind: 'abort_migration' | 'force_complete'; migrationId: number } } {
  return 'migrationId' in b.task;
}

export function answersMoveStep(kind: string): boolean {
  return !SILENT.has(kind);
}

async function exists(driver: ComputeDriver, uuid: string): Promise<boolean> {
  return (await driver.listInstanceUuids()).includes(uuid);
}

/** Carry out one step; resolves with the error message, or undefined when it worked. */
export async function runMoveStep(
  driver: ComputeDriver, b: MoveTaskBody, spawnCtx: SpawnContext, peer: Pick<LiveMigrationTarget, 'memoryMb' | 'onProgress'>,
): Promise<string | undefined> {
  const { uuid } = b;
  const { task } = b;
  try {
    switch (task.kind) {
      case 'resize_instance': {
        // The guest stops on the source; its disk stays until the resize is confirmed or reverted.
        const state = (await driver.getInfo(uuid)).state;
        if (state !== PowerState.SHUTDOWN) await driver.powerOff(uuid);
        break;
      }
      case 'finish_resize':
      case 'rebuild_evacuated':
        // Same-host resize: the old guest is replaced here. Evacuation: a stale copy is replaced.
        if (await exists(driver, uuid)) await driver.destroy(uuid);
        await driver.spawn(spawnCtx);
        break;
      case 'confirm_resize_source':
      case 'revert_resize_dest':
      case 'rollback_live_migration_at_destination':
        await driver.destroy(uuid);
        break;
      case 'finish_revert_resize':
        if (await exists(driver, uuid)) {
          if (spawnCtx.powerOn) await driver.powerOn(uuid);
        } else {
          await driver.spawn(spawnCtx);
        }
        break;
      case 'live_migration': {
        if (!driver.liveMigration) throw new NovaError(`The ${driver.name} driver does not support live migration.`);
        const step = task;
        await driver.liveMigration(uuid, {
          host: step.peerHost ?? '', migrateUri: step.migrateUri ?? null, memoryMb: peer.memoryMb, ...(peer.onProgress ? { onProgress: peer.onProgress } : {}),
        });
        // The guest runs on the destination now; what is left here (a paused source) goes.
        await driver.destroy(uuid);
        break;
      }
      case 'post_live_migration_at_destination':
        if (driver.postLiveMigrationAtDestination) await driver.postLiveMigrationAtDestination(spawnCtx);
        else if (!(await exists(driver, uuid))) await driver.spawn(spawnCtx);
        break;
      case 'abort_migration':
        if (!driver.liveMigrationAbort) throw new NovaError(`The ${driver.name} driver cannot abort a live migration.`);
        await driver.liveMigrationAbort(uuid);
        break;
      case 'force_complete':
        if (!driver.liveMigrationForceComplete) throw new NovaError(`The ${driver.name} driver cannot force a live migration to complete.`);
        await driver.liveMigrationForceComplete(uuid);
        break;
    }
    return undefined;
  } catch (e) {
    if (!(e instanceof NovaError)) throw e;
    return e.message;
  }
}

/** pre_live_migration on the destination. */
export async function preLiveMigration(driver: ComputeDriver, spawnCtx: SpawnContext): Promise<{ migrateUri: string | null }> {
  if (!driver.liveMigration || !driver.preLiveMigration) throw new NovaError(`The ${driver.name} driver does not support live migration.`);
  return driver.preLiveMigration(spawnCtx);
}

export type { ComputePreLiveMigrationBody };
