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

/** An action as defined: its argument parsed to an `A`, then run with it. */
export interface ActionDefinition<A> {
  /** Checks the action's argument (400 on bad input) before the server is looked up, as Nova does. */
  parse(args: unknown, request: FastifyRequest): A;
  /** Admin-only actions name their policy rule. */
  adminRule?: string;
  /** Owners may not run it on a locked server (409). Default true. */
  lockable?: boolean;
  run(ctx: ActionContext, args: A): Promise<ActionResult>;
}

/** An action as the dispatcher holds it: parsing yields the run, bound to the parsed argument. */
export interface ServerAction {
  /** Checks the action's argument (400 on bad input) before the server is looked up, as Nova does. */
  parse(args: unknown, request: FastifyRequest): (ctx: ActionContext) => Promise<ActionResult>;
  adminRule?: string;
  lockable?: boolean;
}

export const ACCEPTED: ActionResult = { status: 202 };

/** Define an action with typed args. */
export function action<A>(a: ActionDefinition<A>): ServerAction {
  const out: ServerAction = {
    parse: (args, request) => {
      const parsed = a.parse(args, request);
      return (ctx) => a.run(ctx, parsed);
    },
  };
  if (a.adminRule !== undefined) out.adminRule = a.adminRule;
  if (a.lockable !== undefined) out.lockable = a.lockable;
  return out;
}
