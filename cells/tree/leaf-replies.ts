/**
 * What a leaf answers to each request the API cell routes down the tree (`cell_request`) or
 * broadcasts (`cell_broadcast`): the leaf hands the inner request to its conductor's handler table
 * (cells/leaf/conductor-endpoint.ts), which answers with the conductor method's result. The reply
 * types are read off those methods, so they change with them.
 */
import type { ConductorManager } from '../../actors/conductor/conductor-manager.ts';
import type { PlacementReply } from '../../actors/placement/index.ts';

/** The (awaited) result of a ConductorManager method. */
type ConductorReply<M extends keyof ConductorManager> = ConductorManager[M] extends (...a: never[]) => infer T ? Awaited<T> : never;

export interface LeafReplies {
  delete_instance: ConductorReply<'deleteInstance'>;
  instance_power_action: ConductorReply<'powerAction'>;
  instance_task: ConductorReply<'instanceTask'>;
  get_instance_actions: ConductorReply<'instanceActions'>;
  get_console_output: ConductorReply<'consoleOutput'>;
  get_diagnostics: ConductorReply<'getDiagnostics'>;
  get_console: ConductorReply<'getConsole'>;
  validate_console_token: ConductorReply<'validateConsoleToken'>;
  list_services: ConductorReply<'listServices'>;
  list_compute_nodes: ConductorReply<'listComputeNodes'>;
  list_migrations: ConductorReply<'listMigrations'>;
  update_service: ConductorReply<'updateService'>;
  /** Answered by the leaf's placement (callPlacementOp), not by the conductor actor. */
  placement_call: PlacementReply;
  /** A cross-cell step's answer depends on the step: cross-cell-migrate.ts reads it with a schema. */
  cross_cell: unknown;
}

export type LeafRequestType = keyof LeafReplies;
