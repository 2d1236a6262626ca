/**
 * The database of a cell that has children (an intermediate cell or the API cell): where each build
 * was sent (so a re-sent build takes the same path and is never built twice), and for the API cell
 * its copy of every instance, the builds it has not yet seen accepted by a leaf, and the cross-cell
 * moves waiting for confirm or revert. The instance mappings (cells v2's InstanceMapping) are not
 * here: the API cell keeps them in the API database (actors/api/db/instances.ts).
 */
import type { Knex } from 'knex';
import type { Migration } from '../../runtime/db/index.ts';
import { handbackMigration, handbackTables } from './handbacks.ts';
import { crossCellMovesMigration, crossCellTables } from './cross-cell-migrate.ts';

export const treeMigrations: Migration[] = [
  {
    name: '001_tree_cell',
    async up(db: Knex) {
      await db.schema.createTable('build_routes', (t) => {
        t.string('instance_uuid', 36).primary();
        t.string('child').notNullable();
        t.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable('instance_copies', (t) => {
        t.string('uuid', 36).primary();
        t.string('cell');
        t.integer('version').notNullable();
        t.string('project_id').notNullable().index();
        t.boolean('deleted').notNullable().defaultTo(false);
        t.text('record').notNullable();
      });
      await db.schema.createTable('pending_builds', (t) => {
        t.string('request_key').primary();
        t.text('build').notNullable();
        t.string('child');
        t.bigInteger('created_at').notNullable();
      });
    },
  },
  handbackMigration,
  crossCellMovesMigration,
  {
    // Files made before the API database's instance_mappings became the only one had a second table
    // here (instance_uuid, cell, project_id, created_at). Nothing in it is lost: the API cell's copies
    // hold the cell, and the API cell fills the API database's mappings from them when it starts.
    name: '040_drop_tree_instance_mappings',
    async up(db: Knex) {
      if (await db.schema.hasTable('instance_mappings')) await db.schema.dropTable('instance_mappings');
    },
  },
];

export const treeTables = {
  build_routes: { key: ['instance_uuid'] },
  instance_copies: { key: ['uuid'] },
  pending_builds: { key: ['request_key'] },
  ...handbackTables,
  ...crossCellTables,
};
