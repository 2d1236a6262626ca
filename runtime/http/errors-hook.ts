/**
 * Fault handling for one fastify context: an error handler that turns anything thrown into the
 * context's fault body (never a stack trace, never fastify's own format), and a not-found handler
 * that answers 405 + Allow for a known path with another method, 404 otherwise.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { classifyError, HttpError, renderNovaFault, type FaultRenderer, type HttpFault } from './faults.ts';
import { RouteTable } from './route-table.ts';

const ROUTE_TABLE = Symbol.for('novacell.http.routeTable');

/** Attach the table to the root instance; child contexts see it through fastify's prototype chain. */
export function attachRouteTable(app: FastifyInstance, table: RouteTable): void {
  app.decorate(ROUTE_TABLE, table);
}

export function routeTableOf(app: FastifyInstance): RouteTable | undefined {
  // A decoration fastify's types do not know of: read by its key, and checked.
  const table: unknown = Reflect.get(app, ROUTE_TABLE);
  return table instanceof RouteTable ? table : undefined;
}

export interface FaultHandlingOptions {
  render?: FaultRenderer;
  /** Message of the 404 for an unknown path (Nova: webob's HTTPNotFound text). */
  notFoundMessage?: string;
  /** Message of the 405; receives the method. */
  methodNotAllowedMessage?: (method: string) => string;
}

/** Send a fault: status, its extra headers, the rendered body. */
export function sendFault(reply: FastifyReply, fault: HttpFault, render: FaultRenderer = renderNovaFault): FastifyReply {
  for (const [k, v] of Object.entries(fault.headers)) reply.header(k, v);
  return reply.code(fault.status).type('application/json; charset=utf-8').send(render(fault));
}

/**
 * Install the error and not-found handlers on `app`. Call it on the root (Nova faults) and again
 * inside a plugin registered with a prefix to draw that subtree's faults differently (Keystone).
 */
export function installFaultHandling(app: FastifyInstance, opts: FaultHandlingOptions = {}): void {
  const render = opts.render ?? renderNovaFault;
  const notFoundMessage = opts.notFoundMessage ?? 'The resource could not be found.';
  const notAllowed = opts.methodNotAllowedMessage ?? ((m: string) => `The method ${m} is not allowed for this resource.`);

  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const fault = classifyError(err);
    if (fault.unexpected) {
      request.log.error({ err }, 'unexpected exception while handling %s %s', request.method, request.url);
    } else if (fault.status >= 500) {
      request.log.warn({ err: { message: err.message, name: err.name } }, 'returning %d', fault.status);
    } else {
      request.log.debug({ status: fault.status, message: fault.message }, 'returning fault');
    }
    return sendFault(reply, fault, render);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const allowed = routeTableOf(app)?.allowedMethods(request.url) ?? [];
    const err = allowed.length > 0 && !allowed.includes(request.method)
      ? new HttpError(405, notAllowed(request.method), { allow: allowed.join(', ') })
      : new HttpError(404, notFoundMessage);
    return sendFault(reply, classifyError(err), render);
  });
}
