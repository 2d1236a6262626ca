/**
 * The HTTP server factory every REST surface mounts on. It gives each request a local request id
 * (`req-<uuid>` from the injected RandomStream; ids sent by clients are never trusted, as
 * oslo.middleware's RequestId does), returns it as `x-openstack-request-id` and `x-compute-request-id`
 * on every response, reads bodies with Nova's JSON rules, caps their size, and turns every failure
 * into an OpenStack fault body. Fastify never answers in its own format.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from '../clock/index.ts';
import type { Logger } from '../log/index.ts';
import type { RandomStream } from '../rng/index.ts';
import { DEFAULT_JSON_CONTENT_TYPES, installJsonBodyParsers } from './body.ts';
import { attachRouteTable, installFaultHandling } from './errors-hook.ts';
import type { FaultRenderer } from './faults.ts';
import { HttpError } from './faults.ts';
import { prototypeQueryName } from './query.ts';
import { RouteTable } from './route-table.ts';

/** oslo.middleware's `[oslo_middleware] max_request_body_size` default, which Nova's pipeline applies. */
export const DEFAULT_BODY_LIMIT = 114_688;

export const REQUEST_ID_HEADER = 'x-openstack-request-id';
export const COMPUTE_REQUEST_ID_HEADER = 'x-compute-request-id';

export interface HttpServerOptions {
  log: Logger;
  clock: Clock;
  /** Request ids are drawn from this stream. */
  rng: RandomStream;
  /** Largest request body in bytes (413 above it); routes may raise it with their own `bodyLimit`. */
  bodyLimit?: number;
  /** Content types parsed as JSON besides none/text/plain. */
  jsonContentTypes?: readonly string[];
  /** `/a/` is `/a` (default true). */
  ignoreTrailingSlash?: boolean;
  /** Fault format outside contexts that install their own (default Nova's). */
  render?: FaultRenderer;
}

export type HttpServer = FastifyInstance;

/** A new request id: `req-` + uuid4. */
export function newRequestId(rng: RandomStream): string {
  return `req-${rng.uuid4()}`;
}

const startedAt = new WeakMap<FastifyRequest, number>();

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const { clock, rng } = opts;
  // Fastify's own logger type (pino's Logger is one): the instance is then the plain FastifyInstance.
  const loggerInstance: FastifyBaseLogger = opts.log;
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: () => newRequestId(rng),
    requestIdHeader: false,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: opts.ignoreTrailingSlash ?? true },
    return503OnClosing: true,
  });

  const routes = new RouteTable();
  attachRouteTable(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = typeof route.method === 'string' ? [route.method] : [...route.method];
    if (methods.includes('GET')) methods.push('HEAD');
    routes.add(route.url, methods);
  });

  const setIds = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.header(REQUEST_ID_HEADER, request.id);
    reply.header(COMPUTE_REQUEST_ID_HEADER, request.id);
  };
  app.addHook('onRequest', async (request, reply) => {
    startedAt.set(request, clock.now());
    setIds(request, reply);
    // No OpenStack API has such a parameter; refusing them here keeps them away from every lookup table.
    const poison = prototypeQueryName(request.query);
    if (poison !== undefined) throw new HttpError(400, `Invalid query parameter: ${poison}`);
  });
  // Again at send time: a handler that replaced the headers cannot drop the ids.
  app.addHook('onSend', async (request, reply, payload) => {
    setIds(request, reply);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const started = startedAt.get(request);
    const ms = started === undefined ? undefined : clock.now() - started;
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms },
      '"%s %s" status: %d', request.method, request.url, reply.statusCode,
    );
  });

  installJsonBodyParsers(app, opts.jsonContentTypes ?? DEFAULT_JSON_CONTENT_TYPES);
  installFaultHandling(app, { render: opts.render });
  return app;
}
