/**
 * Who may see health check details, and the small HTTP server of a cell process (`cell run
 * --http-listen`) that serves /metrics and /healthcheck. Through the API: an admin token
 * (X-Auth-Token with the admin role). On a cell process, which has no identity service: HTTP Basic
 * with the cell's admin broker login (`novacell credentials --admin`).
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../runtime/clock/index.ts';
import { boundPort, createHttpServer, type HttpServer } from '../runtime/http/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import type { Rng } from '../runtime/rng/index.ts';
import type { CellObservability } from '../cells/observe/index.ts';
import { cellUser, passwordVerifier } from '../cells/security/index.ts';
import type { TopologyPlan } from '../topology/index.ts';
import { devstackCatalog, IdentityService } from '../actors/api/identity/index.ts';
import { identityDataFromPlan } from '../actors/api/identity-from-plan.ts';
import { UsageError } from './usage-error.ts';
import { apiTokenSecret } from './secrets.ts';

export function adminByToken(identity: IdentityService): (request: FastifyRequest) => Promise<boolean> {
  return async (request) => {
    const raw = request.headers['x-auth-token'];
    const token = Array.isArray(raw) ? raw[0] : raw;
    if (!token) return false;
    try {
      return (await identity.validateToken(token)).isAdmin;
    } catch {
      return false;
    }
  };
}

export function adminByCellLogin(secret: string, cell: string): (request: FastifyRequest) => Promise<boolean> {
  const verify = passwordVerifier(secret, cell);
  return async (request) => {
    const auth = request.headers.authorization;
    if (!auth?.startsWith('Basic ')) return false;
    const text = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return false;
    const user = text.slice(0, colon);
    return user === cellUser(cell) && verify(user, text.slice(colon + 1));
  };
}

/** `host:port` → its parts; a clear usage error otherwise. */
export function parseListen(v: string, what = '--http-listen'): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${what} ${JSON.stringify(v)}: expected host:port, e.g. 127.0.0.1:9101 (port 0 picks a free one)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export interface CellHttp {
  url: string;
  app: HttpServer;
  close(): Promise<void>;
}

export async function startCellHttp(o: {
  listen: { host: string; port: number };
  observe: CellObservability;
  clock: Clock;
  rng: Rng;
  log: Logger;
  isAdmin(request: FastifyRequest): Promise<boolean>;
  /** More routes (the API cell's dashboard). */
  mount?: (app: HttpServer) => void;
}): Promise<CellHttp> {
  const app = createHttpServer({ log: o.log.child({ service: 'novacell-http' }), clock: o.clock, rng: o.rng.stream('http:request-ids') });
  o.observe.mount(app, { clock: o.clock, isAdmin: o.isAdmin });
  o.mount?.(app);
  await app.listen({ host: o.listen.host, port: o.listen.port });
  const port = boundPort(app.server);
  const host = o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host === '0.0.0.0' ? '127.0.0.1' : o.listen.host;
  return { url: `http://${host}:${port}`, app, close: () => app.close() };
}

/** Identity for a cell process's dashboard: the topology's users, tokens signed with the data directory's key. */
export async function dashboardIdentity(plan: TopologyPlan, clock: Clock, rng: Rng): Promise<IdentityService> {
  return new IdentityService({
    data: await identityDataFromPlan(plan), catalog: () => devstackCatalog(''), tokenSecret: apiTokenSecret(plan.dataDir), clock,
    rng: rng.stream('dashboard:identity'),
  });
}
