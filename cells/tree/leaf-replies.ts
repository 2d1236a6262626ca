/**
 * What the API cell asks of a leaf down the tree (`cell_request`, or `cell_broadcast` to every leaf)
 * and what the leaf answers: the leaf hands the inner request to its conductor's handler table
 * (cells/leaf/conductor-endpoint.ts), which validates the body against the message's schema and
 * answers with the conductor method's result. Bodies are typed by those message definitions and
 * replies by those methods, so both change with them.
 */
import type { z } from 'zod';
import type { ConductorManager } from '../../actors/conductor/conductor-manager.ts';
import type {
  ConsoleOutput, CrossCellStep, DeleteInstance, GetDiagnostics, GetInstanceActions, InstancePowerAction, InstanceTaskMessage,
  ListComputeNodes, ListMigrations, ListServices, UpdateService,
} from '../../actors/conductor/messages.ts';
import type { GetConsole, ValidateConsoleToken } from '../../actors/console/messages.ts';
import type { PlacementCall, PlacementReply } from '../../actors/placement/index.ts';

/** The (awaited) result of a ConductorManager method. */
type ConductorReply<M extends keyof ConductorManager> = ConductorManager[M] extends (...a: never[]) => infer T ? Awaited<T> : never;

/** A request: the body its message definition accepts, and the reply. */
interface Req<Def extends z.ZodType, Reply> {
  body: z.input<Def>;
  reply: Reply;
}

export interface LeafProtocol {
  delete_instance: Req<typeof DeleteInstance, ConductorReply<'deleteInstance'>>;
  instance_power_action: Req<typeof InstancePowerAction, ConductorReply<'powerAction'>>;
  instance_task: Req<typeof InstanceTaskMessage, ConductorReply<'instanceTask'>>;
  get_instance_actions: Req<typeof GetInstanceActions, ConductorReply<'instanceActions'>>;
  get_console_output: Req<typeof ConsoleOutput, ConductorReply<'consoleOutput'>>;
  get_diagnostics: Req<typeof GetDiagnostics, ConductorReply<'getDiagnostics'>>;
  get_console: Req<typeof GetConsole, ConductorReply<'getConsole'>>;
  validate_console_token: Req<typeof ValidateConsoleToken, ConductorReply<'validateConsoleToken'>>;
  list_services: Req<typeof ListServices, ConductorReply<'listServices'>>;
  list_compute_nodes: Req<typeof ListComputeNodes, ConductorReply<'listComputeNodes'>>;
  list_migrations: Req<typeof ListMigrations, ConductorReply<'listMigrations'>>;
  update_service: Req<typeof UpdateService, ConductorReply<'updateService'>>;
  /** Answered by the leaf's placement (callPlacementOp), not by the conductor actor. */
  placement_call: Req<typeof PlacementCall, PlacementReply>;
  /** A cross-cell step's answer depends on the step: cross-cell-migrate.ts reads it with a schema. */
  cross_cell: Req<typeof CrossCellStep, unknown>;
}

export type LeafRequestType = keyof LeafProtocol;
export type LeafBody<K extends LeafRequestType> = LeafProtocol[K]['body'];
export type LeafReplies = { [K in LeafRequestType]: LeafProtocol[K]['reply'] };
