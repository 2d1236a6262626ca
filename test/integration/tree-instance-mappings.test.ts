/**
 * The API cell's instance mappings (cells v2's instance_mappings) in tree mode: one table, in the
 * REST API's database (api.sqlite), none in the API cell's routing file (api.cells.sqlite). The
 * mapping is written before the build is sent and names the leaf that built the instance once the
 * leaf reports it; a deleted instance's mapping is marked deleted (for the purge). Files of an older
 * version, with a second table in api.cells.sqlite and no cell in api.sqlite, migrate on restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { CellTree, planFlavors } from '../../cells/tree/tree.ts';
import { ApiStore } from '../../actors/api/db/index.ts';
import type { TopologyPlan } from '../../topology/plan-types.ts';
import { treePlan } from '../support/tree-topology.ts';
import { until } from '../support/waits.ts';

const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-mappings' };
const image = { id: 'cirros', properties: {} };
const API_FILES = ['api.sqlite', 'api.cells.sqlite'];

let dir: string;
let running: { tree: CellTree; store: ApiStore } | undefined;

afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The layout of `novacell up`: the REST API's database, the API cell's routing file, a file per cell. */
async function start(plan: TopologyPlan): Promise<{ tree: CellTree; store: ApiStore }> {
  const store = await ApiStore.open({ file: join(dir, 'api.sqlite') });
  const tree = await CellTree.start({
    plan, clock: new RealClock(), rng: new SeededRng('mappings'), log: createLogger({}, 'silent'), ephemeralPorts: true,
    dbFile: (c) => join(dir, c.parentPath === null ? 'api.cells.sqlite' : `${c.path.replace(/!/g, '.')}.sqlite`),
    instanceMappings: store.instances,
  });
  await until('every host reported', () => tree.capacity().hostsUp === plan.hosts.length, 60_000);
  running = { tree, store };
  return running;
}

async function stop(): Promise<void> {
  if (!running) return;
  await running.tree.stop();
  await running.store.close();
  running = undefined;
}

async function withFile<T>(name: string, run: (db: Knex) => Promise<T>): Promise<T> {
  const db = knex({ client: 'sqlite3', connection: { filename: join(dir, name) }, useNullAsDefault: true });
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

/** The files of the API cell that have an instance_mappings table. */
async function filesWithMappings(): Promise<string[]> {
  const out: string[] = [];
  for (const f of API_FILES) {
    const rows = await withFile(f, (db) => db('sqlite_master').where({ type: 'table', name: 'instance_mappings' }).select('name'));
    if (rows.length > 0) out.push(f);
  }
  return out;
}

/** The leaf cell whose conductor holds the instance. */
function leafOf(tree: CellTree, uuid: string): string | undefined {
  return tree.leaves().find((l) => l.leaf!.ctx.store.get(uuid))?.plan.path;
}

describe('instance mappings in tree mode', () => {
  it('are one table, in the API database, naming the leaf that built each instance', async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-mappings-'));
    const plan = treePlan({ children: 2, grandchildren: 1, hostsPerLeaf: 1 });
    const { tree, store } = await start(plan);
    const tiny = planFlavors(plan).find((f) => f.id === '1')!;
    const { instanceUuids: [kept] } = await tree.api.create({ name: 'kept', flavor: tiny, image }, ctx);
    const { instanceUuids: [gone] } = await tree.api.create({ name: 'gone', flavor: tiny, image }, ctx);
    // Written before the build is sent: there as soon as create returns.
    expect(store.instances.get(kept!)).toMatchObject({ projectId: 'demo', userId: 'demo', deletedAt: null });
    for (const uuid of [kept!, gone!]) await until(`${uuid} ACTIVE`, async () => (await tree.api.get(uuid, ctx)).vmState === 'active', 60_000);
    const leaf = leafOf(tree, kept!);
    expect(leaf).toMatch(/^api!c\d!g\d1$/);
    await until('the mapping names the leaf', () => store.instances.get(kept!)?.cell === leaf);
    await tree.api.delete(gone!, ctx);
    await until('the deleted one marked deleted', () => store.instances.get(gone!)?.deletedAt != null, 30_000);
    await stop();

    expect(await filesWithMappings()).toEqual(['api.sqlite']);
    const rows = await withFile('api.sqlite', (db) => db('instance_mappings').orderBy('instance_uuid').select('instance_uuid', 'cell', 'project_id', 'deleted_at'));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.instance_uuid === kept)).toMatchObject({ cell: leaf, project_id: 'demo', deleted_at: null });
    expect(rows.find((r) => r.instance_uuid === gone)!.deleted_at).not.toBeNull();
  }, 120_000);

  it("migrates an older version's files: the routing file's table goes, the API database's cells are filled in", async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-mappings-'));
    const plan = treePlan({ children: 1, grandchildren: 1, hostsPerLeaf: 1 });
    const first = await start(plan);
    const tiny = planFlavors(plan).find((f) => f.id === '1')!;
    const { instanceUuids: [uuid] } = await first.tree.api.create({ name: 'old', flavor: tiny, image }, ctx);
    await until('ACTIVE', async () => (await first.tree.api.get(uuid!, ctx)).vmState === 'active', 60_000);
    await stop();

    // What an older version left: a second table in the routing file, the API database's cell unset.
    await withFile('api.cells.sqlite', async (db) => {
      await db.schema.createTable('instance_mappings', (t) => {
        t.string('instance_uuid', 36).primary();
        t.string('cell');
        t.string('project_id').notNullable().index();
        t.bigInteger('created_at').notNullable();
      });
      await db('instance_mappings').insert({ instance_uuid: uuid, cell: 'api!c1!g11', project_id: 'demo', created_at: 0 });
      await db('knex_migrations').where({ name: '040_drop_tree_instance_mappings' }).delete();
    });
    await withFile('api.sqlite', (db) => db('instance_mappings').update({ cell: null }));
    expect(await filesWithMappings()).toEqual(API_FILES);

    const { store } = await start(plan);
    expect(store.instances.get(uuid!)?.cell).toBe('api!c1!g11');
    await stop();
    expect(await filesWithMappings()).toEqual(['api.sqlite']);
    expect(await withFile('api.sqlite', (db) => db('instance_mappings').where({ instance_uuid: uuid }).select('cell'))).toEqual([{ cell: 'api!c1!g11' }]);
  }, 120_000);
});
