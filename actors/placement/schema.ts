/**
 * The cell database's placement tables beyond providers and allocations: provider trees, traits and
 * aggregates per provider, consumers with their generations, and the custom resource classes and
 * traits created through the Placement API. Appended to the cell's migrations.
 */
import type { Knex } from 'knex';
import type { Migration } from '../../runtime/db/index.ts';

export const placementMigration: Migration = {
  name: '020_placement_api',
  async up(db: Knex) {
    await db.schema.createTable('resource_provider_extras', (t) => {
      t.string('uuid', 36).primary();
      t.string('parent_provider_uuid', 36);
      t.text('traits').notNullable();
      t.text('aggregates').notNullable();
    });
    await db.schema.createTable('placement_consumers', (t) => {
      t.string('consumer_id', 36).primary();
      t.string('project_id');
      t.string('user_id');
      t.string('consumer_type');
      t.integer('generation').notNullable().defaultTo(0);
    });
    await db.schema.createTable('placement_custom_names', (t) => {
      t.string('kind', 16).notNullable();
      t.string('name', 255).notNullable();
      t.primary(['kind', 'name']);
    });
  },
};

/** Primary keys, for the group-commit writer. */
export const placementTables = {
  resource_provider_extras: { key: ['uuid'] },
  placement_consumers: { key: ['consumer_id'] },
  placement_custom_names: { key: ['kind', 'name'] },
};
