/**
 * The API cell's database (Nova's nova_api database, trimmed): the global data that travels with
 * requests down the cell tree — flavors with extra specs and access lists, keypairs, images (the
 * Glance registry), server groups, aggregates, quotas — and the instance mappings (which cell owns
 * an instance) with the API-side attributes of each server (name, metadata, tags, lock).
 */
import type { Knex } from 'knex';
import type { Migration } from '../../../runtime/db/index.ts';
import { credentialsMigration } from './credentials.ts';
import { novaNetworkMigration } from './nova-network.ts';

export const apiMigrations: Migration[] = [
  {
    name: '001_api_schema',
    async up(db: Knex) {
      await db.schema.createTable('api_meta', (t) => {
        t.string('key').primary();
        t.text('value');
      });
      await db.schema.createTable('flavors', (t) => {
        // Nova's flavors.id: the integer the marker and the sort order use; flavorid is the API id.
        t.integer('internal_id').primary();
        t.string('flavorid', 255).notNullable().unique();
        t.string('name', 255).notNullable().unique();
        t.integer('vcpus').notNullable();
        t.integer('memory_mb').notNullable();
        t.integer('root_gb').notNullable();
        t.integer('ephemeral_gb').notNullable();
        t.integer('swap').notNullable();
        t.float('rxtx_factor').notNullable();
        t.boolean('is_public').notNullable();
        t.text('description');
        t.text('extra_specs').notNullable();
        t.text('projects').notNullable();
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at');
      });
      await db.schema.createTable('key_pairs', (t) => {
        t.integer('id').primary();
        t.string('user_id').notNullable();
        t.string('name', 255).notNullable();
        t.string('type', 10).notNullable();
        t.text('public_key').notNullable();
        t.string('fingerprint').notNullable();
        t.bigInteger('created_at').notNullable();
        t.unique(['user_id', 'name']);
      });
      await db.schema.createTable('images', (t) => {
        t.string('id', 36).primary();
        t.text('record').notNullable();
      });
      await db.schema.createTable('instance_groups', (t) => {
        t.integer('id').primary();
        t.string('uuid', 36).notNullable().unique();
        t.string('name', 255);
        t.string('project_id').notNullable();
        t.string('user_id').notNullable();
        t.string('policy').notNullable();
        t.text('rules').notNullable();
        t.text('members').notNullable();
        t.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable('aggregates', (t) => {
        t.integer('id').primary();
        t.string('uuid', 36).notNullable().unique();
        t.string('name', 255).notNullable();
        t.string('availability_zone', 255);
        t.text('hosts').notNullable();
        t.text('metadata').notNullable();
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at');
      });
      await db.schema.createTable('quotas', (t) => {
        t.string('project_id').notNullable();
        t.string('resource').notNullable();
        t.integer('hard_limit').notNullable();
        t.primary(['project_id', 'resource']);
      });
      await db.schema.createTable('instance_mappings', (t) => {
        t.string('instance_uuid', 36).primary();
        t.string('project_id').notNullable().index();
        t.string('user_id').notNullable();
        t.string('cell');
        t.text('attrs').notNullable();
        t.bigInteger('created_at').notNullable();
        t.bigInteger('deleted_at');
      });
      await db.schema.createTable('legacy_ids', (t) => {
        // Integer ids for things the cells name by uuid (hypervisors and services before 2.53).
        t.integer('id').primary();
        t.string('kind').notNullable();
        t.string('uuid').notNullable();
        t.unique(['kind', 'uuid']);
      });
    },
  },
  {
    // Keystone's revocation events, by audit id, so a revoked token stays revoked after a restart.
    name: '002_revoked_tokens',
    async up(db: Knex) {
      await db.schema.createTable('revoked_tokens', (t) => {
        t.string('audit_id', 64).primary();
        t.bigInteger('expires_at').notNullable();
      });
    },
  },
  credentialsMigration,
  novaNetworkMigration,
];
