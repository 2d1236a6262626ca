/**
 * `novacell db purge` / `novacell db archive-deleted-rows`: nova-manage's two steps in one (novacell
 * keeps no shadow tables). Servers deleted longer ago than --before leave every database of the
 * topology this machine holds: each cell's SQLite file (or PostgreSQL URL) and the API files that
 * `up` keeps beside them. Safe while the deployment runs: SQLite's WAL and busy timeout let it write
 * beside the cells, and only rows of long-deleted servers go.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type DbConfig } from '../runtime/db/index.ts';
import { describeCounts, mergeCounts, purgeDeletedRows, type PurgeCounts } from '../actors/conductor/db-purge.ts';
import { loadPlan } from './deployment.ts';
import { UsageError } from './usage-error.ts';

export interface DbPurgeOptions {
  topology: string;
  dataDir?: string;
  /** An age (`30d`, `12h`, `90m`, `3600` seconds) or an ISO date; default the topology's purge.deleted_rows_age. */
  before?: string;
  dryRun?: boolean;
  /** For tests: the current time. */
  now?: number;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** The cut-off in ms: `now` minus an age, or an absolute date. */
export function parseBefore(text: string, now: number): number {
  const age = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (age) return now - Number(age[1]) * (UNITS[age[2] || 's'] ?? 1) * 1000;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--before: expected an age such as 30d, 12h, 90m or 3600, or a date such as 2026-11-01, not "${text}"`);
  return t;
}

export async function dbPurge(o: DbPurgeOptions): Promise<PurgeCounts> {
  const plan = loadPlan(o.topology, { dataDir: o.dataDir });
  const now = o.now ?? Date.now();
  const before = o.before !== undefined ? parseBefore(o.before, now) : now - plan.purge.deletedRowsAgeSeconds * 1000;
  const targets: Array<{ what: string; cfg: DbConfig }> = [];
  for (const c of plan.cells) {
    if (c.database.kind === 'postgres') targets.push({ what: c.path, cfg: { url: c.database.url } });
    else if (existsSync(c.database.file)) targets.push({ what: c.path, cfg: { file: c.database.file } });
  }
  for (const name of ['api.sqlite', 'api.cells.sqlite']) {
    const file = join(plan.dataDir, name);
    if (existsSync(file) && !targets.some((t) => t.cfg.file === file)) targets.push({ what: name, cfg: { file } });
  }
  const total: PurgeCounts = {};
  for (const t of targets) {
    const db = await openDb(t.cfg);
    try {
      const counts = await purgeDeletedRows(db, before, { dryRun: o.dryRun });
      process.stdout.write(`${t.what}: ${describeCounts(counts)}${o.dryRun ? ' (dry run)' : ''}\n`);
      mergeCounts(total, counts);
    } finally {
      await db.destroy();
    }
  }
  process.stdout.write(`deleted before ${new Date(before).toISOString()}: ${describeCounts(total)}${o.dryRun ? ' (dry run, nothing removed)' : ''}\n`);
  return total;
}
