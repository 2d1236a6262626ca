/**
 * Test support: a devstack-like identity (admin, demo and alt_demo users in their own projects, in
 * the Default domain) served by a real HTTP server under /identity, for unit tests (inject) and for
 * end-to-end tests with the real openstack CLI (listen on 127.0.0.1, port 0).
 */
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../runtime/clock/index.ts';
import { RealClock } from '../../runtime/clock/index.ts';
import { createHttpServer, type HttpServer } from '../../runtime/http/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import {
  devstackCatalog, hashPassword, IdentityService, mountIdentity, type CatalogSource, type IdentityData,
} from '../../actors/api/identity/index.ts';

export const PASSWORDS = { admin: 'secret-admin', demo: 'secret-demo', alt_demo: 'secret-alt' } as const;

export const IDS = {
  adminUser: 'u-admin', demoUser: 'u-demo', altUser: 'u-alt',
  adminProject: 'p-admin', demoProject: 'p-demo', altProject: 'p-alt',
} as const;

/** Low scrypt cost keeps the tests fast; production hashes use the default. */
const TEST_LOG_N = 10;

export async function devstackIdentityData(): Promise<IdentityData> {
  const [a, d, alt] = await Promise.all([
    hashPassword(PASSWORDS.admin, TEST_LOG_N), hashPassword(PASSWORDS.demo, TEST_LOG_N), hashPassword(PASSWORDS.alt_demo, TEST_LOG_N),
  ]);
  return {
    domains: [{ id: 'default', name: 'Default', description: 'The default domain' }],
    projects: [
      { id: IDS.adminProject, name: 'admin', domainId: 'default', description: 'admin project' },
      { id: IDS.demoProject, name: 'demo', domainId: 'default', description: 'demo project' },
      { id: IDS.altProject, name: 'alt_demo', domainId: 'default', description: 'alt project' },
    ],
    users: [
      { id: IDS.adminUser, name: 'admin', domainId: 'default', passwordHash: a, projectId: IDS.adminProject, roles: ['admin', 'member', 'reader'], domainRoles: ['admin'] },
      { id: IDS.demoUser, name: 'demo', domainId: 'default', passwordHash: d, projectId: IDS.demoProject, roles: ['member', 'reader'], defaultProjectId: IDS.demoProject },
      { id: IDS.altUser, name: 'alt_demo', domainId: 'default', passwordHash: alt, projectId: IDS.altProject, roles: ['member', 'reader'] },
    ],
  };
}

export interface IdentityFixtureOptions {
  clock?: Clock;
  seed?: string;
  catalog?: CatalogSource;
  tokenExpirationSeconds?: number;
}

export interface IdentityFixture {
  app: HttpServer;
  service: IdentityService;
}

/** An HTTP server with identity mounted at /identity (not listening). */
export async function identityFixture(opts: IdentityFixtureOptions = {}): Promise<IdentityFixture> {
  const clock = opts.clock ?? new RealClock();
  const rng = new SeededRng(opts.seed ?? 'identity-fixture');
  const service = new IdentityService({
    data: await devstackIdentityData(),
    catalog: opts.catalog ?? devstackCatalog('http://cloud.example:8774'),
    tokenSecret: 'test-token-secret-0123456789',
    clock,
    rng: rng.stream('identity'),
    tokenExpirationSeconds: opts.tokenExpirationSeconds,
  });
  const app = createHttpServer({ log: createLogger({ service: 'api' }), clock, rng: rng.stream('request-ids') });
  await mountIdentity(app, service);
  return { app, service };
}

export interface RunningIdentityServer extends IdentityFixture {
  /** e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  /** baseUrl + /identity */
  authUrl: string;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (port 0 by default); the catalog points at the port actually taken. */
export async function startIdentityServer(port = 0): Promise<RunningIdentityServer> {
  let baseUrl = '';
  const fx = await identityFixture({ catalog: () => devstackCatalog(baseUrl) });
  await fx.app.listen({ host: '127.0.0.1', port });
  baseUrl = `http://127.0.0.1:${(fx.app.server.address() as AddressInfo).port}`;
  return { ...fx, baseUrl, authUrl: `${baseUrl}/identity`, close: () => fx.app.close() };
}
