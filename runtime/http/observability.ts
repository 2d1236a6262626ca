/**
 * `/healthcheck` and `/metrics` on an HTTP server. /healthcheck follows oslo.middleware's healthcheck
 * app: 200 "OK" or 503 with the failing reasons, as text/plain or, for `Accept: application/json`,
 * `{"detailed": false, "reasons": [...]}`; callers the host says are admins get oslo's detailed form
 * (each check's class, reason and details). HEAD answers the status alone. /metrics is Prometheus'
 * text exposition. Neither needs a token: load balancers and Prometheus call them.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../clock/index.ts';
import { exposition, runHealthChecks, type HealthCheck, type Registry } from '../metrics/index.ts';
import type { HttpServer } from './server.ts';

export interface HealthcheckRoute {
  checks: () => readonly HealthCheck[];
  clock: Clock;
  /** Whether this caller may see details (an admin token, an admin login). */
  isAdmin(request: FastifyRequest): Promise<boolean>;
}

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/json/i.test(accept);
}

export function mountHealthcheck(app: HttpServer, o: HealthcheckRoute): void {
  const handler = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const report = await runHealthChecks(o.checks(), o.clock);
    const status = report.available ? 200 : 503;
    reply.code(status).header('cache-control', 'no-store');
    if (request.method === 'HEAD') return reply.send();
    const reasons = report.available ? ['OK'] : report.results.filter((r) => !r.available).map((r) => r.reason);
    if (!wantsJson(request)) return reply.type('text/plain; charset=UTF-8').send(`${reasons.join('\n')}\n`);
    if (!(await o.isAdmin(request))) return reply.type('application/json').send({ detailed: false, reasons });
    return reply.type('application/json').send({
      detailed: true,
      now: new Date(o.clock.now()).toISOString(),
      platform: `${process.platform}-${process.arch}`,
      node_version: process.version,
      uptime_s: Math.round(process.uptime()),
      reasons: report.results.map((r) => ({ reason: r.reason, details: r.details ?? '', class: r.class })),
    });
  };
  app.get('/healthcheck', handler);
}

export function mountMetrics(app: HttpServer, registry: Registry): void {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await exposition(registry);
    return reply.type(contentType).send(body);
  });
}
