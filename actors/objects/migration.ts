/**
 * Migration (nova/objects/migration.py): the record of one move of an instance between hosts — a
 * cold migration or resize, a live migration, or an evacuation. The conductor of the instance's cell
 * keeps it; while a cold move awaits confirmation the source host's allocation is held in placement
 * by the migration's uuid as consumer (Nova's "migration-based allocations").
 */
import { z } from 'zod';

export const migrationTypes = ['migration', 'resize', 'live-migration', 'evacuation'] as const;
export type MigrationType = (typeof migrationTypes)[number];

/** Nova's statuses, as the compute manager sets them. */
export const MigrationStatus = {
  ACCEPTED: 'accepted',
  PRE_MIGRATING: 'pre-migrating',
  MIGRATING: 'migrating',
  POST_MIGRATING: 'post-migrating',
  FINISHED: 'finished',
  CONFIRMING: 'confirming',
  CONFIRMED: 'confirmed',
  REVERTING: 'reverting',
  REVERTED: 'reverted',
  QUEUED: 'queued',
  PREPARING: 'preparing',
  RUNNING: 'running',
  COMPLETED: 'completed',
  CANCELLING: 'cancelling',
  CANCELLED: 'cancelled',
  DONE: 'done',
  ERROR: 'error',
  FAILED: 'failed',
} as const;

export const migrationSchema = z.object({
  id: z.number().int().positive(),
  uuid: z.string(),
  instanceUuid: z.string(),
  migrationType: z.enum(migrationTypes),
  status: z.string(),
  sourceCompute: z.string().nullable(),
  sourceNode: z.string().nullable(),
  destCompute: z.string().nullable(),
  destNode: z.string().nullable(),
  destHost: z.string().nullable(),
  /** Flavor ids (Nova's old/new_instance_type_id). */
  oldFlavorId: z.string(),
  newFlavorId: z.string(),
  projectId: z.string(),
  userId: z.string(),
  /**
   * The instance moves to another leaf cell (Nova's Migration.cross_cell_move): the record exists in
   * both cells, with the same uuid (conductor/tasks/cross-cell.ts).
   */
  crossCellMove: z.boolean().optional(),
  /** Live migration progress (bytes), as the driver reports it. */
  memoryTotalBytes: z.number().nullable(),
  memoryProcessedBytes: z.number().nullable(),
  memoryRemainingBytes: z.number().nullable(),
  diskTotalBytes: z.number().nullable(),
  diskProcessedBytes: z.number().nullable(),
  diskRemainingBytes: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number().nullable(),
});
export type Migration = z.infer<typeof migrationSchema>;

/** Statuses of a migration still under way (Nova's Migration.is_in_progress-ish sets). */
const DONE = new Set<string>(['confirmed', 'reverted', 'completed', 'cancelled', 'done', 'error', 'failed']);
export function migrationInProgress(m: Migration): boolean {
  return !DONE.has(m.status);
}

/** A live migration that GET /servers/{id}/migrations shows (Nova: queued, preparing, running, post-migrating). */
export function liveMigrationInProgress(m: Migration): boolean {
  return m.migrationType === 'live-migration' && ['queued', 'preparing', 'running', 'post-migrating'].includes(m.status);
}

/** Filters of GET /os-migrations (nova/api/openstack/compute/migrations.py). */
export const migrationFilterSchema = z.object({
  instanceUuid: z.string().optional(),
  status: z.string().optional(),
  host: z.string().optional(),
  sourceCompute: z.string().optional(),
  migrationType: z.string().optional(),
  projectId: z.string().optional(),
  userId: z.string().optional(),
  changesSince: z.number().optional(),
  changesBefore: z.number().optional(),
});
export type MigrationFilter = z.infer<typeof migrationFilterSchema>;

export function migrationMatches(m: Migration, f: MigrationFilter): boolean {
  if (f.instanceUuid !== undefined && m.instanceUuid !== f.instanceUuid) return false;
  if (f.status !== undefined && m.status !== f.status) return false;
  if (f.host !== undefined && m.sourceCompute !== f.host && m.destCompute !== f.host) return false;
  if (f.sourceCompute !== undefined && m.sourceCompute !== f.sourceCompute) return false;
  if (f.migrationType !== undefined && m.migrationType !== f.migrationType) return false;
  if (f.projectId !== undefined && m.projectId !== f.projectId) return false;
  if (f.userId !== undefined && m.userId !== f.userId) return false;
  const changed = m.updatedAt ?? m.createdAt;
  if (f.changesSince !== undefined && changed < f.changesSince) return false;
  if (f.changesBefore !== undefined && changed > f.changesBefore) return false;
  return true;
}
