/**
 * The cell databases on PostgreSQL: the leaf and parent schemas migrate, and the group-commit
 * writer's hand-written multi-row upserts work there — booleans round-trip as booleans, a later
 * upsert updates its row in place. Skipped, saying why, only where PostgreSQL is not installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, WriteBehind, type Db } from '../../runtime/db/index.ts';
import { cellMigrations } from '../../actors/conductor/schema.ts';
import { treeMigrations, treeTables } from '../../cells/tree/tree-db.ts';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/external-services.ts';

const SKIP = postgresSkipReason();
const TITLE = 'cell databases on PostgreSQL';
const databases: TestDatabase[] = [];
const open: Db[] = [];

afterAll(async () => {
  for (const db of open) await db.destroy();
  for (const d of databases) await d.drop();
});

describe.skipIf(!!SKIP)(SKIP ? `${TITLE} (SKIPPED: ${SKIP})` : TITLE, () => {
  it('migrates the leaf and tree schemas and upserts booleans', async () => {
    // One database per cell, as in a deployment: a leaf's and a parent's.
    const [leafDb, parentDb] = [await createTestDatabase(`novacell_it_leaf_${process.pid}`), await createTestDatabase(`novacell_it_tree_${process.pid}`)];
    databases.push(leafDb, parentDb);
    const leaf = await openDb({ url: leafDb.url }, cellMigrations);
    open.push(leaf);
    expect(await leaf('instances').count({ n: '*' })).toEqual([{ n: '0' }]);
    const db = await openDb({ url: parentDb.url }, treeMigrations);
    open.push(db);
    const w = new WriteBehind(db, treeTables);
    const row = { uuid: 'u1', cell: 'api!c1', version: 1, project_id: 'p', deleted: false, record: '{}' };
    w.upsert('instance_copies', row);
    await w.commit();
    w.upsert('instance_copies', { ...row, version: 2, deleted: true });
    w.upsert('instance_copies', { ...row, uuid: 'u2' });
    await w.commit();
    const rows = await db('instance_copies').orderBy('uuid').select('uuid', 'version', 'deleted');
    expect(rows).toEqual([{ uuid: 'u1', version: 2, deleted: true }, { uuid: 'u2', version: 1, deleted: false }]);
    expect(await db('instance_copies').where({ deleted: false }).pluck('uuid')).toEqual(['u2']);
    // Deletes by key go as one `in (...)` statement per chunk; by another column, one by one.
    for (const uuid of ['u3', 'u4', 'u5']) w.upsert('instance_copies', { ...row, uuid, cell: 'api!c2' });
    await w.commit();
    w.delete('instance_copies', { uuid: 'u1' });
    w.delete('instance_copies', { uuid: 'u3' });
    w.delete('instance_copies', { cell: 'api!c2', deleted: false, version: 1 });
    w.upsert('instance_copies', { ...row, uuid: 'u4', version: 3 });
    await w.commit();
    expect(await db('instance_copies').orderBy('uuid').pluck('uuid')).toEqual(['u2', 'u4']);
    await w.close();
  });
});
