/**
 * Password logins are rate-limited per user and source address (429 with Retry-After, before any
 * hashing), token lifetime comes from the topology, and revocations survive an API restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { createLogger } from '../../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { buildApiApp } from '../../../../../actors/api/api-service.ts';
import { ComputeAPI } from '../../../../../actors/api/compute-api.ts';
import { ApiStore, seedFromPlan } from '../../../../../actors/api/db/index.ts';
import { LoginThrottle } from '../../../../../actors/api/identity/login-throttle.ts';
import { parseTopology } from '../../../../../topology/load.ts';
import { resolvePlan } from '../../../../../topology/plan.ts';
import { fakeKeygen } from '../../../../support/api-fixture.ts';
import { FakeCells } from '../../../../support/fake-cells.ts';
import { identityFixture, PASSWORDS, type IdentityFixture } from '../../../../support/identity-server.ts';

const START = Date.UTC(2026, 11, 4, 12, 0, 0);
let fx: IdentityFixture | undefined;
afterEach(async () => { await fx?.app.close(); fx = undefined; });

const login = (name: string, password: string, ip = '10.0.0.1') => fx!.app.inject({
  method: 'POST', url: '/identity/v3/auth/tokens', remoteAddress: ip,
  payload: { auth: { identity: { methods: ['password'], password: { user: { name, domain: { name: 'Default' }, password } } } } },
});

describe('login rate limit', () => {
  it('refuses a user+source pair with 429 after 5 failures, leaves others alone, and lifts after the lockout', async () => {
    const clock = new VirtualClock(START);
    fx = await identityFixture({ clock });
    for (let i = 0; i < 5; i++) expect((await login('demo', 'wrong')).statusCode).toBe(401);
    const refused = await login('demo', PASSWORDS.demo);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.json().error.message).toMatch(/Too many failed authentication attempts/);
    // The same user from another address, and another user from this address, still log in.
    expect((await login('demo', PASSWORDS.demo, '10.0.0.2')).statusCode).toBe(201);
    expect((await login('alt_demo', PASSWORDS.alt_demo)).statusCode).toBe(201);
    await clock.advance(60_000);
    expect((await login('demo', PASSWORDS.demo)).statusCode).toBe(201);
  });

  it('throttles names that do not exist, and a refused attempt costs no hashing', async () => {
    const clock = new VirtualClock(START);
    fx = await identityFixture({ clock });
    for (let i = 0; i < 5; i++) expect((await login('nobody', 'x')).statusCode).toBe(401);
    const started = performance.now();
    for (let i = 0; i < 200; i++) expect((await login('nobody', 'x')).statusCode).toBe(429);
    expect((performance.now() - started) / 200).toBeLessThan(10);
  });

  it('a success clears the count; memory stays bounded under a spray', () => {
    const clock = new VirtualClock(START);
    const t = new LoginThrottle({ clock, failureAttempts: 2, lockoutSeconds: 60, maxTracked: 100 });
    t.failed('u', 's');
    t.succeeded('u', 's');
    t.failed('u', 's');
    expect(() => t.check('u', 's')).not.toThrow();
    for (let i = 0; i < 1000; i++) t.failed(`u${i}`, 's');
    expect(t.tracked).toBe(100);
  });
});

const TOPOLOGY = `
name: t
identity: { token_expiration: 600, lockout_failure_attempts: 2, lockout_duration: 30 }
cell:
  name: api
  children:
    - name: cell1
      hosts: [{ names: "compute01", vcpus: 4, memory_mb: 8192, disk_gb: 100 }]
users: [{ name: admin, password: pw-admin, project: admin, roles: [admin] }]
projects: [{ name: admin }]
`;

describe('identity settings from the topology, revocations on disk', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  async function api(file: string, clock: VirtualClock) {
    const plan = resolvePlan(parseTopology(TOPOLOGY, 't.yaml'));
    const store = await ApiStore.open({ file });
    await seedFromPlan(store, plan, clock.now());
    const cells = new FakeCells(clock);
    const rng = new SeededRng('t');
    const { app } = await buildApiApp({
      plan, store, computeApi: new ComputeAPI(cells, clock, rng.stream('c')), clock, rng, log: createLogger({}, 'silent'),
      tokenSecret: 'topology-token-secret-012345', keygen: fakeKeygen, passwordHashCost: 4, dataDir: '/nonexistent', writeClouds: false,
    }, () => 'http://cloud.test:8774');
    return { app, store, close: async () => { await app.close(); await store.close(); } };
  }
  const body = (password: string) => ({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password } } } } });

  it('uses token_expiration and the lockout settings, and a revoked token stays revoked after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-idn-'));
    dirs.push(dir);
    const clock = new VirtualClock(START);
    const first = await api(join(dir, 'api.sqlite'), clock);
    const issued = await first.app.inject({ method: 'POST', url: '/identity/v3/auth/tokens', payload: body('pw-admin') });
    expect(issued.statusCode).toBe(201);
    const token = issued.headers['x-subject-token'] as string;
    expect(Date.parse(issued.json().token.expires_at) - START).toBe(600_000);
    for (let i = 0; i < 2; i++) await first.app.inject({ method: 'POST', url: '/identity/v3/auth/tokens', payload: body('bad') });
    expect((await first.app.inject({ method: 'POST', url: '/identity/v3/auth/tokens', payload: body('pw-admin') })).headers['retry-after']).toBe('30');
    const revoked = await first.app.inject({ method: 'DELETE', url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(revoked.statusCode).toBe(204);
    await first.close();

    const second = await api(join(dir, 'api.sqlite'), clock);
    const check = await second.app.inject({ method: 'GET', url: '/compute/v2.1/flavors', headers: { 'x-auth-token': token } });
    expect(check.statusCode).toBe(401);
    await second.close();
  });
});
