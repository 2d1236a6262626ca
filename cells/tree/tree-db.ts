/**
 * The database of a cell that has children (an intermediate cell or the API cell): where each build
 * was sent (so a re-sent build takes the same path and is never built twice), and for the API cell
 * the instance mappings (cells v2's InstanceMapping), its copy of every instance, and the builds it
 * has not yet seen accepted by a leaf, and the cross-cell moves waiting for confirm or revert.
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
      await db.schema.createTable('instance_mappings', (t) => {
        t.string('instance_uuid', 36).primary();
        t.string('cell');
        t.string('project_id').notNullable().index();
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
];

export const treeTables = {
  build_routes: { key: ['instance_uuid'] },
  instance_mappings: { key: ['instance_uuid'] },
  instance_copies: { key: ['uuid'] },
  pending_builds: { key: ['request_key'] },
  ...handbackTables,
  ...crossCellTables,
};
