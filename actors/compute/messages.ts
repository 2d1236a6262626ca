/** Messages to one compute host (topic `<prefix>/compute/<host>`), sent by its cell's conductor. */
import { z } from 'zod';
import { defineMessage } from '../../runtime/bus/index.ts';
import { guestDataSchema } from '../objects/index.ts';
import { flavorSchema, imageSchema, instanceTaskSchema, moveStepSchema, powerActionNames } from '../conductor/messages.ts';

export const spawnInstanceSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  hostname: z.string(),
  projectId: z.string(),
  userId: z.string(),
  flavor: flavorSchema,
  image: imageSchema,
  metadata: z.record(z.string(), z.string()),
  /** The fixed IP on the project's flat network (conductor/tasks/fixed-ips.ts), when the cell allocates them. */
  network: z.object({ cidr: z.string(), gateway: z.string(), address: z.string(), mac: z.string() }).optional(),
  /** What the guest reads about itself on its config drive (objects/guest-data.ts). */
  guest: guestDataSchema.optional(),
});

export const BuildAndRunInstance = defineMessage(
  'build_and_run_instance',
  1,
  z.object({ instance: spawnInstanceSchema, node: z.string(), attempt: z.number().int().positive() }),
);
export type BuildAndRunBody = z.infer<typeof BuildAndRunInstance>;

export const TerminateInstance = defineMessage('terminate_instance', 1, z.object({ uuid: z.string() }));
export const PowerActionToCompute = defineMessage(
  'power_action',
  1,
  z.object({ uuid: z.string(), action: z.enum(powerActionNames) }),
);
/**
 * Run the resource tracker now and send the report even if nothing changed: the host reports only
 * changes, so a conductor that does not know the host's node (restarted, its records lost) asks.
 */
export const UpdateAvailableResource = defineMessage('update_available_resource', 1, z.object({}).strict());
export const ComputeGetDiagnostics = defineMessage('compute_get_diagnostics', 1, z.object({ uuid: z.string() }));
export const ComputeConsoleOutput = defineMessage(
  'compute_console_output',
  1,
  z.object({ uuid: z.string(), length: z.number().int().positive().optional() }),
);

/**
 * An instance task for the host that runs the guest (rebuild, resize, shelve, rescue, snapshot...):
 * the task, and the instance as it should be afterwards (new image or flavor) with whether the guest
 * is to run. The host answers with compute_action_result, `action` naming the task.
 */
export const ComputeInstanceTask = defineMessage(
  'compute_instance_task',
  1,
  z.object({ uuid: z.string(), task: z.union([instanceTaskSchema, moveStepSchema]), instance: spawnInstanceSchema, powerOn: z.boolean() }),
);

/**
 * pre_live_migration on the destination (a call): get ready to receive the guest; the answer says
 * where the source sends it (qemu: the `-incoming` URI of a QEMU started here).
 */
export const ComputePreLiveMigration = defineMessage(
  'compute_pre_live_migration',
  1,
  z.object({ uuid: z.string(), instance: spawnInstanceSchema, migrationId: z.number().int().positive() }),
);
export type ComputePreLiveMigrationBody = z.infer<typeof ComputePreLiveMigration>;
export type ComputeInstanceTaskBody = z.infer<typeof ComputeInstanceTask>;
