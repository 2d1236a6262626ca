/**
 * Messages to a cell's conductor (topic `<prefix>/conductor`), one schema per message, validated on
 * receipt. From above (the API cell or a parent cell): build, delete, power actions, queries. From
 * compute hosts: build and action results, resource reports and heartbeats.
 */
import { z } from 'zod';
import { defineMessage } from '../../runtime/bus/index.ts';
import {
  aggregateSchema, flavorSchema, imageSchema, instanceSchema, migrationFilterSchema, migrationSchema, newInstanceSchema, requestSpecWireSchema, type Aggregate, type NewInstance, type RequestSpecWire,
} from '../objects/index.ts';

// Flavor, image and server group are objects of their own (actors/objects); re-exported for the
// modules that import them from here.
export { flavorSchema, imageSchema, instanceGroupSchema } from '../objects/index.ts';

/** What travels with a build request (actors/objects/request-spec.ts), and the instances it names. */
export const buildSpecSchema = requestSpecWireSchema;
export type BuildSpec = RequestSpecWire;
export { newInstanceSchema };
export type { NewInstance };

export const BuildInstances = defineMessage(
  'build_instances',
  1,
  z.object({ instances: z.array(newInstanceSchema).min(1), spec: buildSpecSchema }),
);
export type BuildInstancesBody = z.infer<typeof BuildInstances>;

export const powerActionNames = ['reboot', 'reboot_hard', 'stop', 'start', 'pause', 'unpause', 'suspend', 'resume'] as const;

export const DeleteInstance = defineMessage('delete_instance', 1, z.object({ uuid: z.string() }));
export const InstancePowerAction = defineMessage(
  'instance_power_action',
  1,
  z.object({ uuid: z.string(), action: z.enum(powerActionNames) }),
);
export const GetInstance = defineMessage('get_instance', 1, z.object({ uuid: z.string() }));
export const ListInstances = defineMessage(
  'list_instances',
  1,
  z.object({ projectId: z.string().optional(), includeDeleted: z.boolean().optional() }),
);
export const GetInstanceActions = defineMessage('get_instance_actions', 1, z.object({ uuid: z.string() }));
export const ConsoleOutput = defineMessage('get_console_output', 1, z.object({ uuid: z.string(), length: z.number().int().positive().optional() }));
/** API → leaf conductor: the guest's diagnostics from its compute host (answered with a Diagnostics). */
export const GetDiagnostics = defineMessage('get_diagnostics', 1, z.object({ uuid: z.string() }));

export const ListComputeNodes = defineMessage('list_compute_nodes', 1, z.object({}));
export const ListServices = defineMessage('list_services', 1, z.object({}));
export const UpdateService = defineMessage(
  'update_service',
  1,
  z.object({
    host: z.string(),
    binary: z.string(),
    disabled: z.boolean().optional(),
    disabledReason: z.string().max(255).nullable().optional(),
    forcedDown: z.boolean().optional(),
  }),
);
export type UpdateServiceBody = z.infer<typeof UpdateService>;

/** The API cell's host aggregates (with their AZ and metadata), pushed to every cell that has hosts. */
export { aggregateSchema };
export type AggregateWithHosts = Aggregate;
export const SyncAggregates = defineMessage('sync_aggregates', 1, z.object({ aggregates: z.array(aggregateSchema) }));

/** compute → conductor */
export const BuildResult = defineMessage(
  'compute_build_result',
  1,
  z.object({
    uuid: z.string(),
    host: z.string(),
    node: z.string(),
    attempt: z.number().int().positive(),
    ok: z.boolean(),
    powerState: z.number().int(),
    startedAt: z.number(),
    finishedAt: z.number(),
    error: z.object({ message: z.string(), retryable: z.boolean() }).optional(),
  }),
);
export type BuildResultBody = z.infer<typeof BuildResult>;

/** Instance tasks a compute host carries out (see instanceTaskSchema) and reports with compute_action_result. */
export const computeTaskKinds = [
  'rebuild', 'resize', 'revert_resize', 'shelve', 'shelve_offload', 'unshelve', 'rescue', 'unrescue', 'snapshot', 'trigger_crash_dump',
] as const;
export type ComputeTaskKind = (typeof computeTaskKinds)[number];

/**
 * The compute hosts' steps of a move (nova/compute/manager.py names): cold migration and resize
 * (resize_instance on the source, finish_resize on the destination, confirm on the source, revert on
 * the destination then finish_revert_resize on the source), live migration (live_migration on the
 * source, post_live_migration_at_destination), evacuation (rebuild on the destination). Only the
 * conductor sends them (conductor/tasks/migrate.ts); each host answers with compute_action_result.
 */
export const moveStepKinds = [
  'resize_instance', 'finish_resize', 'confirm_resize_source', 'revert_resize_dest', 'finish_revert_resize',
  'live_migration', 'post_live_migration_at_destination', 'rollback_live_migration_at_destination', 'rebuild_evacuated',
] as const;
export type MoveStepKind = (typeof moveStepKinds)[number];
export const moveStepSchema = z.object({
  kind: z.enum(moveStepKinds),
  migrationId: z.number().int().positive(),
  /** The other end of the move (live_migration: the destination and where its QEMU listens). */
  peerHost: z.string().optional(),
  migrateUri: z.string().optional(),
});
export type MoveStep = z.infer<typeof moveStepSchema>;

export const ActionResult = defineMessage(
  'compute_action_result',
  1,
  z.object({
    uuid: z.string(),
    host: z.string(),
    action: z.enum([...powerActionNames, 'terminate', ...computeTaskKinds, ...moveStepKinds]),
    ok: z.boolean(),
    powerState: z.number().int(),
    error: z.string().optional(),
  }),
);
export type ActionResultBody = z.infer<typeof ActionResult>;

/**
 * How far a live migration's transfer is (Nova's Migration memory_* and disk_* counters, which
 * libvirt's job info feeds), sent by the source host while it runs; accepted only from that host.
 */
const bytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const MigrationProgress = defineMessage(
  'compute_migration_progress',
  1,
  z.object({
    uuid: z.string(),
    host: z.string(),
    migrationId: z.number().int().positive(),
    memoryTotalBytes: bytes, memoryProcessedBytes: bytes, memoryRemainingBytes: bytes,
    diskTotalBytes: bytes, diskProcessedBytes: bytes, diskRemainingBytes: bytes,
  }),
);
export type MigrationProgressBody = z.infer<typeof MigrationProgress>;

/**
 * A compute host's view of a guest's power state, from a hypervisor lifecycle event or the periodic
 * power-state sync (Nova's handle_lifecycle_event / _sync_power_states).
 */
export const PowerStateReport = defineMessage(
  'compute_power_state',
  1,
  z.object({ uuid: z.string(), host: z.string(), powerState: z.number().int() }),
);
export type PowerStateReportBody = z.infer<typeof PowerStateReport>;

/**
 * init_host: every guest the compute host's hypervisor has, with its power state, sent once the host
 * (re)started so that the conductor reconciles the database with it (tasks/init-host.ts).
 */
export const HostGuests = defineMessage(
  'compute_host_guests',
  1,
  z.object({ host: z.string(), guests: z.array(z.object({ uuid: z.string(), powerState: z.number().int() })).max(100_000) }),
);
export type HostGuestsBody = z.infer<typeof HostGuests>;

export const computeNodeSchema = z.object({
  host: z.string(),
  nodename: z.string(),
  uuid: z.string(),
  hypervisorType: z.string(),
  hypervisorVersion: z.number().int(),
  cpuArch: z.string(),
  cpuInfo: z.string(),
  vcpus: z.number().int().nonnegative(),
  memoryMb: z.number().int().nonnegative(),
  localGb: z.number().int().nonnegative(),
  vcpusUsed: z.number().nonnegative(),
  memoryMbUsed: z.number().nonnegative(),
  localGbUsed: z.number().nonnegative(),
  runningVms: z.number().int().nonnegative(),
  supportedInstances: z.array(z.tuple([z.string(), z.string(), z.string()])),
  hostIp: z.string(),
});
export type ComputeNodeReport = z.infer<typeof computeNodeSchema>;

export const ComputeNodeUpdate = defineMessage('compute_node_update', 1, computeNodeSchema);
export const ServiceHeartbeat = defineMessage(
  'service_heartbeat',
  1,
  z.object({ host: z.string(), binary: z.string(), reportCount: z.number().int().nonnegative() }),
);

/**
 * Operations on an existing instance that take arguments or reschedule (rebuild, resize, shelve,
 * rescue, snapshot, reset-state): one message so a new operation needs no new routing in the cells.
 */
export const instanceTaskSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rebuild'), image: imageSchema, imageRef: z.string(), name: z.string().max(255).optional() }),
  // crossCell: the caller passed compute:servers:resize:cross_cell, so the move may leave the leaf cell.
  z.object({ kind: z.literal('resize'), flavor: flavorSchema, crossCell: z.boolean().optional() }),
  z.object({ kind: z.literal('confirm_resize') }),
  z.object({ kind: z.literal('revert_resize') }),
  z.object({ kind: z.literal('shelve'), offload: z.boolean(), imageId: z.string().nullable() }),
  z.object({ kind: z.literal('shelve_offload') }),
  z.object({ kind: z.literal('unshelve'), availabilityZone: z.string().nullable().optional(), host: z.string().optional() }),
  z.object({ kind: z.literal('rescue'), image: imageSchema.nullable() }),
  z.object({ kind: z.literal('unrescue') }),
  z.object({ kind: z.literal('snapshot'), imageId: z.string() }),
  z.object({ kind: z.literal('reset_state'), vmState: z.enum(['active', 'error']) }),
  z.object({ kind: z.literal('trigger_crash_dump') }),
  // Moves (conductor/tasks/migrate.ts): host null lets the scheduler choose.
  z.object({ kind: z.literal('migrate'), host: z.string().nullable(), crossCell: z.boolean().optional() }),
  z.object({ kind: z.literal('live_migrate'), host: z.string().nullable(), blockMigration: z.union([z.boolean(), z.literal('auto')]) }),
  z.object({ kind: z.literal('evacuate'), host: z.string().nullable() }),
  z.object({ kind: z.literal('abort_migration'), migrationId: z.number().int().positive() }),
  z.object({ kind: z.literal('force_complete'), migrationId: z.number().int().positive() }),
]);
export type InstanceTask = z.infer<typeof instanceTaskSchema>;
export const InstanceTaskMessage = defineMessage(
  'instance_task',
  1,
  z.object({ uuid: z.string(), task: instanceTaskSchema, userId: z.string().optional() }),
);
export type InstanceTaskBody = z.infer<typeof InstanceTaskMessage>;

/** Migration records of the cell (GET /os-migrations, /servers/{id}/migrations). */
export const ListMigrations = defineMessage('list_migrations', 1, migrationFilterSchema);


/**
 * The steps of a cross-cell resize or cold migration a leaf carries out for the API cell's task
 * (conductor/tasks/cross-cell.ts; cells/tree/cross-cell-migrate.ts). Only the cell's own services send
 * them: in a tree, the cell's node, passing on what its parent cell sent down.
 */
export const crossCellStepSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('prep_dest'), uuid: z.string(), instance: instanceSchema, migration: migrationSchema, flavor: flavorSchema,
    host: z.string().nullable(),
  }),
  z.object({ op: z.literal('abort_source'), uuid: z.string(), reason: z.string().max(4096) }),
  z.object({ op: z.literal('stop_source'), uuid: z.string(), destHost: z.string(), destNode: z.string() }),
  z.object({ op: z.literal('finish_dest'), uuid: z.string() }),
  z.object({ op: z.literal('hide_source'), uuid: z.string() }),
  z.object({ op: z.literal('show_dest'), uuid: z.string(), version: z.number().int().nonnegative() }),
  z.object({ op: z.literal('abort_dest'), uuid: z.string() }),
  z.object({ op: z.literal('confirm_source'), uuid: z.string() }),
  z.object({ op: z.literal('confirm_dest'), uuid: z.string() }),
  z.object({ op: z.literal('revert_dest'), uuid: z.string() }),
  z.object({ op: z.literal('revert_source'), uuid: z.string(), version: z.number().int().nonnegative() }),
  z.object({ op: z.literal('purge_dest'), uuid: z.string() }),
]);
export type CrossCellStepBody = z.infer<typeof crossCellStepSchema>;
export const CrossCellStep = defineMessage('cross_cell', 1, crossCellStepSchema);
