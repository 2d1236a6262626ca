/**
 * Purge of soft-deleted rows (nova-manage `db archive_deleted_rows` + `db purge`): deleted servers
 * older than a cut-off leave every database that holds them — a cell's instances with their actions,
 * events and faults; the API cell's instance copies and routing rows; the API database's instance
 * mappings (the only instance_mappings table, soft-deleted by deleted_at). novacell keeps no shadow tables, so archiving and purging are one step. The function looks
 * at which tables a database has, so one call serves any cell's file or the API database.
 */
import { z } from 'zod';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { Db } from '../../runtime/db/index.ts';
import type { Logger } from '../../runtime/log/index.ts';

/** Rows removed (or, on a dry run, that would be), by table. */
export type PurgeCounts = Record<string, number>;

/** The part of an API cell's instance copy the purge reads. */
const deletedAtSchema = z.looseObject({ deletedAt: z.number().nullish() });

const CHUNK = 500;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

async function deleteWhereIn(db: Db, table: string, column: string, keys: readonly string[], dryRun: boolean): Promise<number> {
  let n = 0;
  for (const part of chunks(keys)) {
    n += dryRun
      ? Number((await db(table).whereIn(column, part).count({ n: '*' }).first())?.n ?? 0)
      : await db(table).whereIn(column, part).delete();
  }
  return n;
}

/** Remove servers deleted before `before` (ms since the epoch) from `db`; returns counts per table. */
export async function purgeDeletedRows(db: Db, before: number, opts: { dryRun?: boolean } = {}): Promise<PurgeCounts> {
  const dryRun = opts.dryRun ?? false;
  const counts: PurgeCounts = {};
  const add = (table: string, n: number) => { if (n > 0) counts[table] = (counts[table] ?? 0) + n; };
  const has = (t: string) => db.schema.hasTable(t);

  if (await has('instances')) {
    const uuids = (await db('instances').where({ deleted: true }).andWhere('deleted_at', '<', before).select('uuid')).map((r) => String(r.uuid));
    if (uuids.length > 0) {
      const actionIds: string[] = [];
      for (const part of chunks(uuids)) actionIds.push(...(await db('instance_actions').whereIn('instance_uuid', part).select('id')).map((r) => String(r.id)));
      add('instance_actions_events', await deleteWhereIn(db, 'instance_actions_events', 'action_id', actionIds, dryRun));
      add('instance_actions', await deleteWhereIn(db, 'instance_actions', 'instance_uuid', uuids, dryRun));
      add('instance_faults', await deleteWhereIn(db, 'instance_faults', 'instance_uuid', uuids, dryRun));
      add('instances', await deleteWhereIn(db, 'instances', 'uuid', uuids, dryRun));
    }
  }
  if (await has('instance_copies')) {
    // The API cell's copies keep deleted_at inside the record.
    const uuids: string[] = [];
    for (const r of await db('instance_copies').where({ deleted: true }).select('uuid', 'record')) {
      const deletedAt = Number(deletedAtSchema.parse(JSON.parse(String(r.record))).deletedAt ?? 0);
      if (deletedAt < before) uuids.push(String(r.uuid));
    }
    add('instance_copies', await deleteWhereIn(db, 'instance_copies', 'uuid', uuids, dryRun));
    if (await has('build_routes')) add('build_routes', await deleteWhereIn(db, 'build_routes', 'instance_uuid', uuids, dryRun));
  }
  // An API cell file of an older version, not yet migrated, has a second instance_mappings table with
  // no deleted_at: its 040 migration drops the whole table when the API cell next starts.
  if ((await has('instance_mappings')) && (await db.schema.hasColumn('instance_mappings', 'deleted_at'))) {
    const q = db('instance_mappings').whereNotNull('deleted_at').andWhere('deleted_at', '<', before);
    add('instance_mappings', dryRun ? Number((await q.clone().count({ n: '*' }).first())?.n ?? 0) : await q.delete());
  }
  return counts;
}

/** "instances: 3, instance_actions: 6" — or "nothing to purge". */
export function describeCounts(counts: PurgeCounts): string {
  const parts = Object.entries(counts).map(([t, n]) => `${t}: ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing to purge';
}

export interface PeriodicPurgeOptions {
  clock: Clock;
  log: Logger;
  /** Seconds between runs; 0 runs nothing. */
  intervalSeconds: number;
  /** Rows deleted longer ago than this many seconds are purged. */
  ageSeconds: number;
  /** Purge everything this process holds that was deleted before `before` (ms). */
  purge(before: number): Promise<PurgeCounts>;
}

/** The periodic task: every interval, purge what was deleted more than `ageSeconds` ago. */
export function startPeriodicPurge(o: PeriodicPurgeOptions): { stop(): void } {
  if (o.intervalSeconds <= 0) return { stop: () => undefined };
  let running = false;
  const timer: TimerHandle = o.clock.setInterval(() => {
    if (running) return;
    running = true;
    const before = o.clock.now() - o.ageSeconds * 1000;
    o.purge(before)
      .then((counts) => { if (Object.keys(counts).length > 0) o.log.info({ counts, before }, `purged deleted rows: ${describeCounts(counts)}`); })
      .catch((err: unknown) => o.log.error({ err }, 'periodic purge of deleted rows failed'))
      .finally(() => { running = false; });
  }, o.intervalSeconds * 1000);
  return { stop: () => o.clock.clearTimer(timer) };
}

/** Add `b`'s counts into `a`. */
export function mergeCounts(a: PurgeCounts, b: PurgeCounts): PurgeCounts {
  for (const [t, n] of Object.entries(b)) a[t] = (a[t] ?? 0) + n;
  return a;
}
