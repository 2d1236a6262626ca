/**
 * The cell database schema (Nova's cell DB tables, trimmed to what the control plane uses), as code
 * migrations. JSON columns hold nested records (flavor, image, metadata) the way Nova's
 * instance_extra does.
 */
import type { Knex } from 'knex';
import type { Migration } from '../../runtime/db/index.ts';
import { consoleAuthMigration } from '../console/console-auth-store.ts';
import { placementMigration, placementTables } from '../placement/schema.ts';
import { migrationsTableMigration } from './migration-store.ts';

export const cellMigrations: Migration[] = [
  {
    name: '001_cell_schema',
    async up(db: Knex) {
      await db.schema.createTable('instances', (t) => {
        t.string('uuid', 36).primary();
        t.string('display_name');
        t.string('hostname');
        t.string('project_id').notNullable().index();
        t.string('user_id').notNullable();
        t.string('vm_state').notNullable();
        t.string('task_state');
        t.integer('power_state').notNullable().defaultTo(0);
        t.string('host').index();
        t.string('node');
        t.string('availability_zone');
        t.string('image_ref');
        t.string('key_name');
        t.string('reservation_id');
        t.integer('launch_index');
        t.boolean('locked').notNullable().defaultTo(false);
        t.text('flavor').notNullable();
        t.text('image');
        t.text('metadata');
        t.text('system_metadata');
        t.text('extra');
        t.integer('version').notNullable().defaultTo(0);
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at');
        t.bigInteger('launched_at');
        t.bigInteger('terminated_at');
        t.bigInteger('deleted_at');
        t.boolean('deleted').notNullable().defaultTo(false).index();
      });
      await db.schema.createTable('instance_actions', (t) => {
        t.string('id').primary();
        t.string('instance_uuid', 36).notNullable().index();
        t.string('action').notNullable();
        t.string('request_id').notNullable();
        t.string('user_id');
        t.string('project_id');
        t.bigInteger('start_time').notNullable();
        t.bigInteger('finish_time');
        t.text('message');
      });
      await db.schema.createTable('instance_actions_events', (t) => {
        t.string('id').primary();
        t.string('action_id').notNullable().index();
        t.string('event').notNullable();
        t.bigInteger('start_time').notNullable();
        t.bigInteger('finish_time');
        t.string('result');
        t.text('traceback');
        t.string('host');
      });
      await db.schema.createTable('instance_faults', (t) => {
        t.string('id').primary();
        t.string('instance_uuid', 36).notNullable().index();
        t.integer('code').notNullable();
        t.text('message').notNullable();
        t.text('details');
        t.string('host');
        t.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable('build_requests', (t) => {
        t.string('instance_uuid', 36).primary();
        t.string('request_id').notNullable();
        t.text('request_spec').notNullable();
        t.string('state').notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.text('tried_hosts');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at');
      });
      await db.schema.createTable('compute_nodes', (t) => {
        t.string('uuid', 36).primary();
        t.string('host').notNullable().unique();
        t.string('hypervisor_hostname').notNullable();
        t.string('hypervisor_type').notNullable();
        t.integer('hypervisor_version').notNullable();
        t.string('cpu_arch');
        t.integer('vcpus').notNullable();
        t.integer('memory_mb').notNullable();
        t.integer('local_gb').notNullable();
        t.integer('vcpus_used').notNullable().defaultTo(0);
        t.integer('memory_mb_used').notNullable().defaultTo(0);
        t.integer('local_gb_used').notNullable().defaultTo(0);
        t.integer('running_vms').notNullable().defaultTo(0);
        t.float('cpu_allocation_ratio').notNullable();
        t.float('ram_allocation_ratio').notNullable();
        t.float('disk_allocation_ratio').notNullable();
        t.string('host_ip');
        t.text('cpu_info');
        t.text('extra');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at');
      });
      await db.schema.createTable('services', (t) => {
        t.string('uuid', 36).primary();
        t.integer('id').notNullable();
        t.string('host').notNullable();
        t.string('binary').notNullable();
        t.string('topic');
        t.integer('report_count').notNullable().defaultTo(0);
        t.boolean('disabled').notNullable().defaultTo(false);
        t.string('disabled_reason');
        t.boolean('forced_down').notNullable().defaultTo(false);
        t.bigInteger('last_seen_up');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at');
        t.unique(['host', 'binary']);
      });
      await db.schema.createTable('resource_providers', (t) => {
        t.string('uuid', 36).primary();
        t.string('name').notNullable();
        t.integer('generation').notNullable().defaultTo(0);
        t.text('inventories').notNullable();
      });
      await db.schema.createTable('allocations', (t) => {
        t.string('consumer_id', 36).notNullable();
        t.string('resource_provider_uuid', 36).notNullable();
        t.text('resources').notNullable();
        t.string('project_id');
        t.string('user_id');
        t.bigInteger('created_at').notNullable();
        t.primary(['consumer_id', 'resource_provider_uuid']);
      });
    },
  },
  consoleAuthMigration,
  placementMigration,
  migrationsTableMigration,
];

/** Primary keys, for the group-commit writer. */
export const cellTables = {
  instances: { key: ['uuid'] },
  instance_actions: { key: ['id'] },
  instance_actions_events: { key: ['id'] },
  instance_faults: { key: ['id'] },
  build_requests: { key: ['instance_uuid'] },
  compute_nodes: { key: ['uuid'] },
  services: { key: ['uuid'] },
  resource_providers: { key: ['uuid'] },
  allocations: { key: ['consumer_id', 'resource_provider_uuid'] },
  ...placementTables,
  migrations: { key: ['id'] },
};
