/**
 * The API cell's REST service: one HTTP listener with devstack's layout — /identity (Keystone v3),
 * /compute/v2.1 and /compute/v2, /image (Glance v2 registry), /placement (version document), /ec2 (the
 * EC2 Query API) — over
 * the API cell's database and the ComputeAPI facade that reaches the cells. It also writes a
 * clouds.yaml for the operator's CLI into the data directory.
 */
import { chmodSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../../runtime/clock/index.ts';
import { createHttpServer, type HttpServer } from '../../runtime/http/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import type { TopologyPlan } from '../../topology/index.ts';
import { cloudsYaml, writeCloudsYaml } from './clouds-yaml.ts';
import type { ComputeAPI } from './compute-api.ts';
import { DEFAULT_COMPUTE_SETTINGS, mountCompute, NodeKeyGenerator, type ComputeDeps, type ComputeSettings, type KeyGenerator } from './compute/index.ts';
import { ApiStore, seedFromPlan } from './db/index.ts';
import { ImageFiles, mountImage } from './image/index.ts';
import { identityDataFromPlan } from './identity-from-plan.ts';
import { CaStore, CertificateService } from '../cert/index.ts';
import { CredentialCipher, DEFAULT_REGION, devstackCatalog, EncryptedCredentialStore, IdentityService, mountIdentity, type TokenRevocations } from './identity/index.ts';
import { mountEc2 } from './ec2/index.ts';
import { mountPlacement, type PlacementBackend } from './placement/index.ts';
import { consoleBaseUrls, type ConsoleBaseUrls } from '../console/console-urls.ts';

export interface ApiServiceOptions {
  plan: TopologyPlan;
  /** The API cell's database, already open (see openApiStore). */
  store: ApiStore;
  computeApi: ComputeAPI;
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** HMAC key for Keystone tokens; keep it the same across restarts so tokens survive them. */
  tokenSecret: string;
  /** Where to listen; default the topology's api.listen. Port 0 picks a free one. */
  listen?: { host: string; port: number };
  /** How clients reach the API (catalog, links); default the topology's public_url or the listen address. */
  publicUrl?: string;
  /** Data directory for clouds.yaml and image data; default the topology's data_dir. */
  dataDir?: string;
  /** nova-cert's CA for os-certificates; default broker_tls.pki_dir (or <dataDir>/pki when dataDir is given). */
  pkiDir?: string;
  keygen?: KeyGenerator;
  settings?: Partial<ComputeSettings>;
  /** scrypt cost of the password hashes (tests lower it). */
  passwordHashCost?: number;
  /** Write clouds.yaml (default true). */
  writeClouds?: boolean;
  /** Where revoked tokens are kept (default: the API database, so revocations survive restarts). */
  revocations?: TokenRevocations;
  /** Where console URLs point (default: the API cell's [vnc]/[spice]/[serial_console]/[xvp] options). */
  consoleBaseUrls?: () => ConsoleBaseUrls;
  /** The leaves' placements (the API cell); absent: /placement serves only its version document. */
  placement?: PlacementBackend;
  /** More routes on the same server (metrics, health check, dashboard), mounted after the APIs. */
  mount?: (app: HttpServer, identity: IdentityService) => void | Promise<void>;
}

export interface ApiService {
  url: string;
  app: HttpServer;
  identity: IdentityService;
  cloudsYamlPath: string | undefined;
  close(): Promise<void>;
}

/** Open the API cell's database and seed it from the topology on first start. */
export async function openApiStore(file: string, plan: TopologyPlan, clock: Clock): Promise<ApiStore> {
  const store = await ApiStore.open({ file });
  // It holds keypairs and (encrypted) EC2 credentials: readable by the service's user only.
  if (file !== ':memory:') for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  await seedFromPlan(store, plan, clock.now());
  return store;
}

/** Build the routes on an HTTP server that is not listening yet (used by startApiService and tests). */
export async function buildApiApp(o: ApiServiceOptions, publicUrl: () => string): Promise<{ app: HttpServer; identity: IdentityService }> {
  const dataDir = o.dataDir ?? o.plan.dataDir;
  const app = createHttpServer({ log: o.log.child({ service: 'nova-api' }), clock: o.clock, rng: o.rng.stream('api:request-ids') });
  const identity = new IdentityService({
    data: await identityDataFromPlan(o.plan, o.passwordHashCost),
    catalog: () => devstackCatalog(publicUrl()),
    tokenSecret: o.tokenSecret,
    clock: o.clock,
    rng: o.rng.stream('api:identity'),
    tokenExpirationSeconds: o.plan.identity.tokenExpirationSeconds,
    lockoutFailureAttempts: o.plan.identity.lockoutFailureAttempts,
    lockoutDurationSeconds: o.plan.identity.lockoutDurationSeconds,
    revocations: o.revocations ?? o.store.revokedTokens,
    credentials: await EncryptedCredentialStore.open(o.store.credentials, new CredentialCipher(o.tokenSecret)),
  });
  await mountIdentity(app, identity);
  const settings: ComputeSettings = {
    ...DEFAULT_COMPUTE_SETTINGS,
    defaultAvailabilityZone: o.plan.cells[0]?.nova.DEFAULT.default_availability_zone ?? DEFAULT_COMPUTE_SETTINGS.defaultAvailabilityZone,
    crossCellResizeRule: o.plan.cells[0]?.nova.policy['compute:servers:resize:cross_cell'] ?? DEFAULT_COMPUTE_SETTINGS.crossCellResizeRule,
    ...o.settings,
  };
  const imageFiles = new ImageFiles(join(dataDir, 'images'));
  const deps: ComputeDeps = {
    imageFiles,
    store: o.store, compute: o.computeApi, clock: o.clock, rng: o.rng.stream('api:compute'), log: o.log.child({ service: 'nova-api' }),
    keygen: o.keygen ?? new NodeKeyGenerator(),
    directory: {
      projectExists: (id) => identity.directory.project(id) !== undefined,
      userExists: (id) => identity.directory.user(id) !== undefined,
    },
    settings,
    consoleBaseUrls: o.consoleBaseUrls ?? (() => consoleBaseUrls(o.plan.cells[0]!.nova)),
    // nova-cert: the deployment's CA in broker_tls.pki_dir (made on first use, as Nova's was).
    certificates: new CertificateService(new CaStore(o.pkiDir ?? (o.dataDir !== undefined ? join(o.dataDir, 'pki') : o.plan.brokerTls.pkiDir), () => o.clock.now()), () => o.clock.now(), o.plan.name),
  };
  const authUri = () => `${publicUrl()}/identity`;
  await mountCompute(app, deps, identity, { authUri: authUri() });
  await mountImage(app, {
    store: o.store, clock: o.clock, rng: o.rng.stream('api:image'), files: imageFiles,
  }, identity, { authUri: authUri() });
  if (o.placement) {
    const uuids = o.rng.stream('api:placement');
    await mountPlacement(app, { backend: o.placement, auth: identity, newUuid: () => uuids.uuid4(), authUri: authUri() });
  } else {
    await mountPlacement(app);
  }
  await mountEc2(app, deps, identity, { region: DEFAULT_REGION, publicUrl: () => publicUrl() || undefined });
  await o.mount?.(app, identity);
  return { app, identity };
}

export async function startApiService(o: ApiServiceOptions): Promise<ApiService> {
  const listen = o.listen ?? { host: o.plan.api.host, port: o.plan.api.port };
  let url = o.publicUrl ?? '';
  const { app, identity } = await buildApiApp(o, () => url);
  await app.listen({ host: listen.host, port: listen.port });
  const port = (app.server.address() as AddressInfo).port;
  if (!url) {
    const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host;
    url = `http://${host}:${port}`;
  }
  // The cells' schedulers need the aggregates (zones, metadata) before the first build.
  const aggregates = o.store.aggregates.all().map((a) => ({
    id: a.id, name: a.name, availabilityZone: a.availabilityZone, metadata: { ...a.metadata }, hosts: [...a.hosts],
  }));
  await o.computeApi.syncAggregates(aggregates, { projectId: '', userId: '', reqId: 'req-api-start' });
  let cloudsYamlPath: string | undefined;
  if (o.writeClouds !== false) {
    cloudsYamlPath = join(o.dataDir ?? o.plan.dataDir, 'clouds.yaml');
    await writeCloudsYaml(cloudsYamlPath, cloudsYaml(o.plan, `${url}/identity`));
  }
  o.log.info({ url, clouds_yaml: cloudsYamlPath }, 'API listening');
  return {
    url, app, identity, cloudsYamlPath,
    close: async () => {
      await app.close();
    },
  };
}
