/**
 * Test support: the whole REST surface of the API cell (identity, compute, image, placement) on one
 * fastify instance, not listening, over an in-memory API database and FakeCells, with the quickstart
 * topology's catalog and users. Tokens for admin, demo and alt_demo are issued up front.
 */
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { VirtualClock } from '../../runtime/clock/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { loadTopology } from '../../topology/load.ts';
import { resolvePlan } from '../../topology/plan.ts';
import type { TopologyPlan } from '../../topology/index.ts';
import { buildApiApp } from '../../actors/api/api-service.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import { ApiStore, seedFromPlan } from '../../actors/api/db/index.ts';
import type { KeyGenerator } from '../../actors/api/compute/index.ts';
import type { HttpServer } from '../../runtime/http/index.ts';
import { FakeCells } from './fake-cells.ts';
import type { PlacementBackend } from '../../actors/api/placement/index.ts';

const QUICKSTART = join(import.meta.dirname, '..', '..', 'topology', 'examples', 'quickstart.yaml');

/** Keys without the cost of RSA generation (the real generator has its own test). */
export const fakeKeygen: KeyGenerator = {
  async generate(type, subject) {
    return { privateKey: '-----BEGIN RSA PRIVATE KEY-----\nfake\n-----END RSA PRIVATE KEY-----\n', publicKey: type === 'x509' ? 'CERT' : `ssh-rsa AAAAfake ${subject}`, fingerprint: '00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff' };
  },
};

export interface ApiFixture {
  app: HttpServer;
  plan: TopologyPlan;
  store: ApiStore;
  cells: FakeCells;
  clock: VirtualClock;
  token: { admin: string; demo: string; alt: string };
  project: { admin: string; demo: string; alt: string };
  /** inject with a token (default demo) and JSON body; `version` sets the compute microversion. */
  call(method: string, url: string, opts?: { as?: 'admin' | 'demo' | 'alt' | null; body?: unknown; version?: string; headers?: Record<string, string>; raw?: string }): Promise<LightMyRequestResponse>;
  /** POST /servers with the first image and flavor 1 (as demo unless told); the new server's id. */
  createServer(o?: { as?: 'admin' | 'demo' | 'alt'; name?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function apiFixture(opts: { dataDir?: string; placement?: PlacementBackend } = {}): Promise<ApiFixture> {
  const plan = resolvePlan(loadTopology(QUICKSTART));
  const clock = new VirtualClock();
  const rng = new SeededRng('api-fixture');
  const store = await ApiStore.open({ file: ':memory:' });
  await seedFromPlan(store, plan, clock.now());
  const cells = new FakeCells(clock);
  const computeApi = new ComputeAPI(cells, clock, rng.stream('compute-api'));
  const { app, identity } = await buildApiApp({
    plan, store, computeApi, clock, rng, log: createLogger({}, 'silent'), tokenSecret: 'fixture-token-secret-0123456789',
    keygen: fakeKeygen, passwordHashCost: 4, placement: opts.placement, dataDir: opts.dataDir ?? '/nonexistent-novacell-test', writeClouds: false,
  }, () => 'http://cloud.test:8774');
  const issue = async (name: string) => {
    const u = plan.users.find((x) => x.name === name)!;
    const t = await identity.authenticate({
      auth: {
        identity: { methods: ['password'], password: { user: { name: u.name, domain: { name: 'Default' }, password: u.password } } },
        scope: { project: { name: u.project, domain: { name: 'Default' } } },
      },
    });
    return t.id;
  };
  const token = { admin: await issue('admin'), demo: await issue('demo'), alt: await issue('alt_demo') };
  const pid = (name: string) => plan.projects.find((p) => p.name === name)!.id;
  const project = { admin: pid('admin'), demo: pid('demo'), alt: pid('alt_demo') };
  const fx: ApiFixture = {
    app, plan, store, cells, clock, token, project,
    call: (method, url, o = {}) => {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const who = o.as === undefined ? 'demo' : o.as;
      if (who) headers['x-auth-token'] = token[who];
      if (o.version) headers['openstack-api-version'] = `compute ${o.version}`;
      let payload: string | undefined = o.raw;
      if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      return app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    },
    createServer: async (o = {}) => {
      const body = { server: { name: o.name ?? 'vm', imageRef: plan.images[0]!.id, flavorRef: '1' } };
      const res = await fx.call('POST', '/compute/v2.1/servers', { body, ...(o.as ? { as: o.as } : {}) });
      if (res.statusCode !== 202) throw new Error(`server create answered ${res.statusCode}: ${res.body}`);
      return (res.json() as { server: { id: string } }).server.id;
    },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
  return fx;
}
