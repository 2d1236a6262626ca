/**
 * The conductor's entry to every move of an instance: resize (and confirm, revert), cold and live
 * migration (and abort, force-complete), evacuate; and the compute hosts' answers to their steps,
 * matched to the instance's migration under way.
 */
import { InstanceNotFound } from '../../../runtime/errors/index.ts';
import { moveStepKinds, type ActionResultBody, type InstanceTask, type InstanceTaskBody, type MoveStepKind } from '../messages.ts';
import type { ConductorContext } from '../context.ts';
import { evacuate, onEvacuateStep } from './evacuate.ts';
import { coldMigrate, confirmResize, onColdStep, revertResize } from './migrate.ts';
import { onCrossCellStep, type CrossCellSource } from './cross-cell.ts';
import { abortLiveMigration, forceCompleteLiveMigration, liveMigrate, onLiveStep } from './migrate-live.ts';

const MOVE_TASKS = new Set<InstanceTask['kind']>([
  'resize', 'confirm_resize', 'revert_resize', 'migrate', 'live_migrate', 'evacuate', 'abort_migration', 'force_complete',
]);

export function isMoveTask(kind: InstanceTask['kind']): boolean {
  return MOVE_TASKS.has(kind);
}

export function isMoveStep(action: string): action is MoveStepKind {
  return moveStepKinds.some((k) => k === action);
}

export async function moveTask(ctx: ConductorContext, body: InstanceTaskBody, reqId: string): Promise<CrossCellSource | void> {
  const inst = ctx.store.get(body.uuid);
  if (!inst) throw new InstanceNotFound(body.uuid);
  const t = body.task;
  switch (t.kind) {
    case 'resize': return coldMigrate(ctx, inst, body, reqId, t.flavor, null);
    case 'migrate': return coldMigrate(ctx, inst, body, reqId, null, t.host);
    case 'confirm_resize': return confirmResize(ctx, inst, body, reqId);
    case 'revert_resize': return revertResize(ctx, inst, body, reqId);
    case 'live_migrate': return liveMigrate(ctx, inst, body, reqId, t.host);
    case 'evacuate': return evacuate(ctx, inst, body, reqId, t.host);
    case 'abort_migration': return abortLiveMigration(ctx, inst, body, t, reqId);
    case 'force_complete': return forceCompleteLiveMigration(ctx, inst, body, t, reqId);
    default: throw new Error(`not a move: ${t.kind}`);
  }
}

/** A compute host's answer to a move step; answers for no migration under way are stale and ignored. */
export async function onMoveResult(ctx: ConductorContext, r: ActionResultBody, reqId = ''): Promise<void> {
  const inst = ctx.store.get(r.uuid);
  const m = ctx.migrations.inProgressFor(r.uuid);
  if (!inst || !m) {
    ctx.log.info({ instance_uuid: r.uuid, host: r.host, step: r.action, ok: r.ok }, 'move step answered after its migration ended');
    return;
  }
  if (m.crossCellMove) return onCrossCellStep(ctx, m, inst, r);
  if (m.migrationType === 'live-migration') return onLiveStep(ctx, m, inst, r, reqId);
  if (m.migrationType === 'evacuation') return onEvacuateStep(ctx, m, inst, r);
  return onColdStep(ctx, m, inst, r, reqId);
}

/**
 * The instance is deleted while a move is under way (a server in VERIFY_RESIZE, say): the migration's
 * allocation goes with it and the record ends in error; a guest left on the source host is removed.
 */
export async function onInstanceDeleted(ctx: ConductorContext, uuid: string, host: string | null): Promise<void> {
  const m = ctx.migrations.inProgressFor(uuid);
  if (!m) return;
  ctx.placement.release(m.uuid);
  ctx.migrations.update(m.id, { status: 'error' });
  for (const h of [m.sourceCompute, m.destCompute]) {
    if (h && h !== host && ctx.serviceUp(h)) await ctx.bus.cast(ctx.computeTopic(h), { type: 'terminate_instance', body: { uuid } });
  }
}

/** Hosts that may report on an instance while it moves: both ends of its migration under way. */
export function movingBetween(ctx: Pick<ConductorContext, 'migrations'>, uuid: string, host: string): boolean {
  const m = ctx.migrations.inProgressFor(uuid);
  return !!m && (m.sourceCompute === host || m.destCompute === host);
}
