/**
 * Messages between cells (on the parent's broker): builds travelling down and handed back up, instance
 * state travelling up with versions, capacity reports with sequence numbers, targeted requests routed
 * by cell path, broadcasts whose replies merge hop by hop, global data pushed down, and the last will
 * that tells a parent its child is gone.
 */
import { z } from 'zod';
import { defineMessage } from '../runtime/bus/index.ts';
import { aggregateSchema, faultViewSchema, flavorSchema, instanceSchema, newInstanceSchema, requestSpecWireSchema as buildSpecSchema } from '../actors/objects/index.ts';

/** A build on its way down. `tried` lists cells (full paths) that handed it back. */
export const CellBuild = defineMessage(
  'cell_build',
  1,
  z.object({
    instances: z.array(newInstanceSchema).min(1),
    spec: buildSpecSchema,
    tried: z.array(z.string()),
    hops: z.number().int().nonnegative(),
    /** The API request's id, kept by the leaf in the instance's `create` action. */
    reqId: z.string().max(128).optional(),
  }),
);
export type CellBuildBody = z.infer<typeof CellBuild>;

/** A subtree could not place a build: it goes back up with the cells tried so far. */
export const CellBuildHandback = defineMessage(
  'cell_build_handback',
  1,
  z.object({
    from: z.string(),
    build: CellBuild,
    reason: z.string(),
  }),
);
export type CellBuildHandbackBody = z.infer<typeof CellBuildHandback>;

/** An instance as its leaf knows it, with the fault the API shows (validated like any message). */
export const instanceStateSchema = z.object({
  uuid: z.string(),
  cell: z.string(),
  version: z.number().int().nonnegative(),
  record: instanceSchema.extend({ fault: faultViewSchema.nullable() }),
});
export type InstanceState = z.infer<typeof instanceStateSchema>;


export const capacitySchema = z.object({
  vcpus: z.number(),
  vcpusFree: z.number(),
  memoryMb: z.number(),
  memoryMbFree: z.number(),
  diskGb: z.number(),
  diskGbFree: z.number(),
  hostsUp: z.number().int(),
  hosts: z.number().int(),
  /** How many more instances of each flavor (by id) fit (cells v1 units_by_mb, generalised). */
  units: z.record(z.string(), z.number().int()),
  /** The largest free slot on any one host, per resource. */
  hypervisorTypes: z.array(z.string()),
  cpuArchs: z.array(z.string()),
  availabilityZones: z.array(z.string()),
});
export type Capacity = z.infer<typeof capacitySchema>;

/** Capacity of a subtree: a full report, or a delta on the previous one (`seq` must follow on). */
export const CapacityReport = defineMessage(
  'capacity_report',
  1,
  z.object({
    from: z.string(),
    seq: z.number().int().nonnegative(),
    full: z.boolean(),
    capacity: capacitySchema.partial(),
  }),
);
export type CapacityReportBody = z.infer<typeof CapacityReport>;

/**
 * Instance records travelling up; an update older than what the receiver has is ignored. The capacity
 * delta of the same turn, if any, travels with them (one message instead of two) and is applied after
 * them, as a separate `capacity_report` sent next would be.
 */
export const InstanceUpdates = defineMessage(
  'instance_updates',
  1,
  z.object({ from: z.string(), updates: z.array(instanceStateSchema), capacity: CapacityReport.optional() }),
);

/** A parent lost track (a gap in sequence numbers): send a full report. */
export const CapacityRequest = defineMessage('capacity_request', 1, z.object({}));

/** A request for one cell, routed by path; each hop forwards it and returns the answer back. */
export const CellRequest = defineMessage(
  'cell_request',
  1,
  z.object({
    target: z.string(),
    hops: z.number().int().nonnegative(),
    type: z.string(),
    body: z.unknown(),
  }),
);
export type CellRequestBody = z.infer<typeof CellRequest>;

/** A request for every cell below; the answer is one entry per cell, silent subtrees as failures. */
export const CellBroadcast = defineMessage(
  'cell_broadcast',
  1,
  z.object({ hops: z.number().int().nonnegative(), type: z.string(), body: z.unknown(), timeoutMs: z.number().int().positive() }),
);
export type BroadcastEntry<R = unknown> = { cell: string; ok: true; result: R } | { cell: string; ok: false; error: string };

/** Global data from the API cell, pushed to every cell (flavors for capacity units, aggregates). */
export const SyncGlobal = defineMessage(
  'sync_global',
  1,
  z.object({ flavors: z.array(flavorSchema), aggregates: z.array(aggregateSchema) }),
);
export type SyncGlobalBody = z.infer<typeof SyncGlobal>;

/** The last will a child registers on its parent's broker (accepted only as that will, on `gone/<child>`). */
export const ChildGone = defineMessage('child_gone', 1, z.object({ cell: z.string() }));
/** A child shutting down cleanly says so itself (a clean disconnect publishes no will). */
export const ChildLeave = defineMessage('child_leave', 1, z.object({ cell: z.string() }));
/** A child announces itself (after connecting, and after a restart). */
export const ChildHello = defineMessage('child_hello', 1, z.object({ cell: z.string() }));

/** A parent asks a child (re)joining it to send the state of its instances again: updates lost with a
 *  crashed process are repaired (a leaf re-sends its instances; a middle cell asks its children). */
export const InstancesResync = defineMessage('instances_resync', 1, z.object({}));

/** `novacell status`: the subtree of a cell, with link states and capacity, each child asked in turn. */
export const CellStatusRequest = defineMessage('cell_status', 1, z.object({ timeoutMs: z.number().int().positive() }));

/** A CellsPort method called on the API cell by an API running in another process. */
export const CellsPortCall = defineMessage(
  'cells_port_call',
  1,
  z.object({
    method: z.enum([
      'syncAggregates', 'listServices', 'listComputeNodes', 'updateService', 'build', 'get', 'list', 'delete', 'powerAction',
      'actions', 'consoleOutput', 'getDiagnostics', 'instanceTask', 'getConsole', 'validateConsoleToken', 'listMigrations',
    ]),
    args: z.array(z.unknown()).max(4),
  }),
);
export type CellsPortCallBody = z.infer<typeof CellsPortCall>;
