/**
 * Purge of deleted rows: servers deleted before the cut-off leave a cell database (with their
 * actions, events and faults), the API cell's copies and routes, and the API database's mappings;
 * newer and live ones stay.
 * The periodic task runs on the injected clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { openDb, type Db } from '../../../../runtime/db/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { cellMigrations } from '../../../../actors/conductor/schema.ts';
import { apiMigrations } from '../../../../actors/api/db/migrations.ts';
import { treeMigrations } from '../../../../cells/tree/tree-db.ts';
import { purgeDeletedRows, startPeriodicPurge } from '../../../../actors/conductor/db-purge.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 4);
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  for (const d of dbs.splice(0)) await d.destroy();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(migrations: Parameters<typeof openDb>[1]): Promise<Db> {
  const dir = mkdtempSync(join(tmpdir(), 'novacell-purge-'));
  dirs.push(dir);
  const db = await openDb({ file: join(dir, 'x.sqlite') }, migrations);
  dbs.push(db);
  return db;
}

async function server(db: Db, uuid: string, deletedAt: number | null): Promise<void> {
  await db('instances').insert({
    uuid, project_id: 'p', user_id: 'u', vm_state: deletedAt === null ? 'active' : 'deleted', flavor: '{}', created_at: NOW - 90 * DAY,
    deleted: deletedAt !== null, deleted_at: deletedAt,
  });
  await db('instance_actions').insert({ id: `a-${uuid}`, instance_uuid: uuid, action: 'create', request_id: 'req-1', start_time: NOW - 90 * DAY });
  await db('instance_actions_events').insert({ id: `e-${uuid}`, action_id: `a-${uuid}`, event: 'compute_build', start_time: NOW - 90 * DAY });
  await db('instance_faults').insert({ id: `f-${uuid}`, instance_uuid: uuid, code: 500, message: 'x', created_at: NOW - 90 * DAY });
}

describe('purgeDeletedRows', () => {
  it('removes a cell database\'s old deleted servers with their actions, events and faults', async () => {
    const db = await open([...cellMigrations]);
    await server(db, 'old', NOW - 40 * DAY);
    await server(db, 'recent', NOW - 1 * DAY);
    await server(db, 'live', null);
    const dry = await purgeDeletedRows(db, NOW - 30 * DAY, { dryRun: true });
    expect(dry).toEqual({ instances: 1, instance_actions: 1, instance_actions_events: 1, instance_faults: 1 });
    expect(await db('instances').count({ n: '*' }).first()).toEqual({ n: 3 });
    const counts = await purgeDeletedRows(db, NOW - 30 * DAY);
    expect(counts).toEqual(dry);
    expect((await db('instances').select('uuid')).map((r) => r.uuid).sort()).toEqual(['live', 'recent']);
    expect(await db('instance_actions_events').count({ n: '*' }).first()).toEqual({ n: 2 });
    expect(await purgeDeletedRows(db, NOW - 30 * DAY)).toEqual({});
  });

  it("removes the API cell's old deleted copies and routes, and the API database's mappings", async () => {
    const tree = await open(treeMigrations);
    // The instance mappings are the API database's alone.
    expect(await tree.schema.hasTable('instance_mappings')).toBe(false);
    const copy = (uuid: string, deletedAt: number | null) => ({
      uuid, cell: 'api!c1', version: 2, project_id: 'p', deleted: deletedAt !== null, record: JSON.stringify({ uuid, deletedAt }),
    });
    await tree('instance_copies').insert([copy('old', NOW - 40 * DAY), copy('live', null)]);
    await tree('build_routes').insert([{ instance_uuid: 'old', child: 'api!c1', created_at: 0 }, { instance_uuid: 'live', child: 'api!c1', created_at: 0 }]);
    expect(await purgeDeletedRows(tree, NOW - 30 * DAY)).toEqual({ instance_copies: 1, build_routes: 1 });

    const api = await open(apiMigrations);
    const mapping = (uuid: string, deletedAt: number | null) => ({ instance_uuid: uuid, project_id: 'p', user_id: 'u', cell: 'api!c1', attrs: '{}', created_at: 0, deleted_at: deletedAt });
    await api('instance_mappings').insert([mapping('old', NOW - 40 * DAY), mapping('recent', NOW - DAY), mapping('live', null)]);
    expect(await purgeDeletedRows(api, NOW - 30 * DAY)).toEqual({ instance_mappings: 1 });
  });
});

describe('startPeriodicPurge', () => {
  it('purges every interval with the cut-off now - age, and stops', async () => {
    const clock = new VirtualClock(NOW);
    const cutoffs: number[] = [];
    const task = startPeriodicPurge({
      clock, log: createLogger({}, 'silent'), intervalSeconds: 3600, ageSeconds: 30 * 86_400,
      purge: async (before) => { cutoffs.push(before); return { instances: 1 }; },
    });
    await clock.advance(2 * 3_600_000);
    expect(cutoffs).toEqual([NOW + 3_600_000 - 30 * DAY, NOW + 2 * 3_600_000 - 30 * DAY]);
    task.stop();
    await clock.advance(3 * 3_600_000);
    expect(cutoffs).toHaveLength(2);
  });

  it('an interval of 0 runs nothing', async () => {
    const clock = new VirtualClock(NOW);
    let runs = 0;
    startPeriodicPurge({ clock, log: createLogger({}, 'silent'), intervalSeconds: 0, ageSeconds: 1, purge: async () => { runs++; return {}; } });
    await clock.advance(10 * DAY);
    expect(runs).toBe(0);
  });
});
