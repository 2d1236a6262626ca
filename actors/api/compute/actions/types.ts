/** The shape of one server action handler (POST /servers/{id}/action, `{"<name>": args}`). */
import type { FastifyRequest } from 'fastify';
import type { ComputeDeps } from '../deps.ts';
import type { ServerModel } from '../views/servers.ts';

export interface ActionContext {
  deps: ComputeDeps;
  request: FastifyRequest;
  server: ServerModel;
}

export interface ActionResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ServerAction<A = unknown> {
  /** Checks the action's argument (400 on bad input) before the server is looked up, as Nova does. */
  parse(args: unknown, request: FastifyRequest): A;
  /** Admin-only actions name their policy rule. */
  adminRule?: string;
  /** Owners may not run it on a locked server (409). Default true. */
  lockable?: boolean;
  run(ctx: ActionContext, args: A): Promise<ActionResult>;
}

export const ACCEPTED: ActionResult = { status: 202 };

/** Define an action with typed args. */
export function action<A>(a: ServerAction<A>): ServerAction<unknown> {
  return a as ServerAction<unknown>;
}
