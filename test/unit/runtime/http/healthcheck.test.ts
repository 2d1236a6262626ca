/**
 * /healthcheck in oslo.middleware's shape: 200 "OK" or 503 with the failing reasons, JSON on request,
 * details only for admins, a hung check failing by timeout on the injected clock.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { createHttpServer, mountHealthcheck } from '../../../../runtime/http/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { runHealthChecks, type HealthCheck } from '../../../../runtime/metrics/index.ts';

function app(checks: HealthCheck[], clock = new VirtualClock(0)) {
  const a = createHttpServer({ log: createLogger({}, 'silent'), clock, rng: new SeededRng('h').stream('ids') });
  mountHealthcheck(a, { checks: () => checks, clock, isAdmin: async (r) => r.headers['x-auth-token'] === 'admin' });
  return a;
}

const ok: HealthCheck = { name: 'BrokerHealthcheck', check: async () => ({ available: true, reason: 'OK', details: { clients: 2 } }) };
const bad: HealthCheck = { name: 'LinkHealthcheck', check: async () => ({ available: false, reason: 'link down: cell api!c1 has lost its link to api' }) };

describe('/healthcheck', () => {
  it('answers 200 OK as text when every check passes', async () => {
    const r = await app([ok]).inject({ method: 'GET', url: '/healthcheck' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toBe('OK\n');
  });

  it('answers 503 with the failing reasons, and the bare status to HEAD', async () => {
    const a = app([ok, bad]);
    const r = await a.inject({ method: 'GET', url: '/healthcheck' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toBe('link down: cell api!c1 has lost its link to api\n');
    const h = await a.inject({ method: 'HEAD', url: '/healthcheck' });
    expect(h.statusCode).toBe(503);
    expect(h.body).toBe('');
  });

  it('gives JSON reasons to anyone and details only to admins', async () => {
    const a = app([ok, bad]);
    const anon = await a.inject({ method: 'GET', url: '/healthcheck', headers: { accept: 'application/json' } });
    expect(anon.json()).toEqual({ detailed: false, reasons: ['link down: cell api!c1 has lost its link to api'] });
    const admin = await a.inject({ method: 'GET', url: '/healthcheck', headers: { accept: 'application/json', 'x-auth-token': 'admin' } });
    const body = admin.json();
    expect(body.detailed).toBe(true);
    expect(body.reasons).toEqual([
      { reason: 'OK', details: { clients: 2 }, class: 'BrokerHealthcheck' },
      { reason: 'link down: cell api!c1 has lost its link to api', details: '', class: 'LinkHealthcheck' },
    ]);
  });

  it('fails a check that hangs, after the timeout on the injected clock', async () => {
    const clock = new VirtualClock(0);
    const hung: HealthCheck = { name: 'DatabaseHealthcheck', check: () => new Promise(() => undefined) };
    const report = runHealthChecks([ok, hung], clock, 2000);
    await clock.advance(2000);
    const r = await report;
    expect(r.available).toBe(false);
    expect(r.results[1]).toMatchObject({ available: false, reason: 'DatabaseHealthcheck: no answer within 2000 ms' });
  });
});
