/**
 * `novacell cell run --topology t.yaml --cell api!eu!fra1`: one cell in this process. Its embedded
 * broker (on the plan's port, with credentials and ACLs) or its external broker; its own database; a
 * link to its parent's broker (retried until the parent is up and ready); compute hosts in this
 * process unless --no-compute (then `novacell compute run` agents serve them). The API cell also
 * pushes flavors and aggregates down and serves its CellsPort to other processes. Every cell answers
 * `novacell status`. The API cell's process serves the OpenStack APIs on api.listen, as `up` does.
 * SIGINT/SIGTERM stop it cleanly; a restart on the same data directory resumes.
 */
import type { PlacementBackend } from '../actors/api/placement/index.ts';
import { startActorSystem, stopActor } from '../runtime/actor/index.ts';
import { startBroker, type Broker } from '../runtime/bus/index.ts';
import { RealClock } from '../runtime/clock/index.ts';
import { ensurePrivateDir } from '../runtime/db/index.ts';
import { mergeCounts, purgeDeletedRows, startPeriodicPurge } from '../actors/conductor/db-purge.ts';
import { createLogger } from '../runtime/log/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import {
  brokerGuards, linkClientId, passwordVerifier, principalOf,
} from '../cells/security/index.ts';
import { startCell } from '../cells/tree/start-cell.ts';
import { planFlavors } from '../cells/tree/tree.ts';
import { serveStatus } from '../cells/tree/status.ts';
import { serveCellsPort } from '../cells/tree/cells-port-endpoint.ts';
import { cellPrefix } from '../cells/topics.ts';
import { brokerCellOf, brokerLogin, brokerUrl, connectWithRetry, loadPlan, requireCell, type PlanOverrides } from './deployment.ts';
import { join } from 'node:path';
import type { Logger } from '../runtime/log/index.ts';
import type { Rng } from '../runtime/rng/index.ts';
import type { PlanCell, TopologyPlan } from '../topology/plan-types.ts';
import { ComputeAPI } from '../actors/api/compute-api.ts';
import { startApiService } from '../actors/api/api-service.ts';
import { ApiStore, seedFromPlan } from '../actors/api/db/index.ts';
import { apiTokenSecret, ensureSecrets, looseMode, secretsPath } from './secrets.ts';
import { exitOnSignalWhileStarting, untilSignal } from './shutdown.ts';
import { redactUrl, watchChildren } from './cell-run-helpers.ts';
import { brokerTlsOf, watchBrokerTls } from './broker-tls.ts';
import { awaitCertificates, bootstrapPki, cellCertificateNames, warnIfPlainBrokers } from './pki-bootstrap.ts';
import { CellObservability } from '../cells/observe/index.ts';
import { adminByCellLogin, dashboardIdentity, parseListen, startCellHttp, type CellHttp } from './observe-http.ts';
import { mountDashboard } from '../web/index.ts';
import { defaultDriver } from '../cells/leaf/default-driver.ts';
import type { PlanHost } from '../topology/plan-types.ts';
import { metadataSharedSecret, parseMetadataListen, parseMetadataUrl, startPlanMetadata } from './metadata-service.ts';

export interface CellRunOptions extends PlanOverrides {
  topology: string;
  cell: string;
  /** Run the leaf's compute hosts in this process (default true). */
  compute?: boolean;
  secrets?: string;
  /** Serve /metrics and /healthcheck on host:port. */
  httpListen?: string;
  /** API cell: where nova-api-metadata listens (default 127.0.0.1:0, a free port). */
  metadataListen?: string;
  /** Leaf cell with compute in this process: nova-api-metadata for the qemu guests' metadata link. */
  metadataUrl?: string;
  /** Stop (as on SIGTERM) when stdin closes: `up --processes` holds the other end, so no child outlives it. */
  stopWithParent?: boolean;
}

/** `--stop-with-parent`: the parent's end of our stdin closes when it exits, even by SIGKILL. */
function stopWithParent(log: Logger): void {
  // With the parent gone nobody reads our stdout: a write must not crash the orderly stop.
  process.stdout.on('error', () => undefined);
  const gone = () => {
    log.warn('parent process gone: stopping');
    process.kill(process.pid, 'SIGTERM');
  };
  process.stdin.once('end', gone);
  process.stdin.once('error', gone);
  process.stdin.resume();
}

/** The REST API's database of the API cell (the cell's database in the topology), seeded from it. */
async function openCellApiStore(plan: TopologyPlan, cell: PlanCell, clock: RealClock): Promise<ApiStore> {
  const storeCfg = cell.database.kind === 'postgres' ? { url: cell.database.url } : { file: cell.database.file };
  const store = await ApiStore.open(storeCfg);
  await seedFromPlan(store, plan, clock.now());
  return store;
}

/** The OpenStack REST APIs of the API cell's process, on api.listen, over the API cell's CellsPort. */
async function serveOpenStackApis(
  plan: TopologyPlan, store: ApiStore, computeApi: ComputeAPI,
  o: { clock: RealClock; rng: Rng; log: Logger; listenOverridden: boolean; placement?: PlacementBackend },
): Promise<{ url: string; cloudsYamlPath: string | undefined; close(): Promise<void> }> {
  const api = await startApiService({
    plan, store, computeApi, clock: o.clock, rng: o.rng, log: o.log, tokenSecret: apiTokenSecret(plan.dataDir),
    listen: { host: plan.api.host, port: plan.api.port },
    placement: o.placement,
    // With port 0 the URL is known only once listening: startApiService derives it then.
    ...(o.listenOverridden || plan.api.port === 0 ? {} : { publicUrl: plan.api.publicUrl }),
  });
  return { url: api.url, cloudsYamlPath: api.cloudsYamlPath, close: () => api.close() };
}

export async function cellRun(o: CellRunOptions): Promise<void> {
  // A child of `up --processes` (--stop-with-parent) runs as `up` does: plain MQTT with passwords.
  const plan = loadPlan(o.topology, o, o.stopWithParent ? 'single' : 'processes');
  const httpListen = o.httpListen === undefined ? undefined : parseListen(o.httpListen);
  const cell = requireCell(plan, o.cell);
  ensurePrivateDir(plan.dataDir, true);
  const parent = cell.parentPath ? requireCell(plan, cell.parentPath) : undefined;
  const ownUrl = brokerUrl(cell);
  if (parent) brokerUrl(parent);
  const file = secretsPath(plan, o.secrets);
  const { secrets, created } = ensureSecrets(file);
  // `service` is left to each service of the cell (nova-conductor, nova-compute...): no key twice in a line.
  const log = createLogger({ cell: cell.path });
  if (created) log.info({ file }, 'made a new deployment secret; copy it to every cell of this deployment');
  if (looseMode(file)) log.warn({ file }, 'the secrets file is readable by others: chmod 600 it');
  const secret = secrets.broker_secret;
  const started = exitOnSignalWhileStarting(log);
  if (o.stopWithParent) stopWithParent(log);
  const clock = new RealClock();
  const rng = entropyRng();
  // Mutual TLS (the default): the API cell makes the CA and the certificates on first start; every
  // cell then waits for the certificates it presents (made here, or copied from the CA's site).
  warnIfPlainBrokers(plan, log);
  if (plan.brokerTls.mode === 'mutual' && !parent) await bootstrapPki(plan, log);
  const certificates = cellCertificateNames(cell, parent);
  if (certificates.length > 0) await awaitCertificates(plan, certificates, { topologyFile: o.topology, log });

  // Until the cell is up, its children and compute agents are told to come back later (CONNACK 3):
  // what they would send now would find nobody subscribed on a fresh broker.
  let ready = false;
  let broker: Broker | undefined;
  if (cell.broker.kind === 'embedded') {
    const guards = brokerGuards(brokerCellOf(cell), passwordVerifier(secret, cell.path));
    const tls = cell.broker.tls ? brokerTlsOf(cell.broker.tls.pkiDir, cell.path) : undefined;
    broker = await startBroker({
      host: cell.broker.host, port: cell.broker.port, log: log.child({ module: 'broker' }), ...(tls ? { tls } : {}),
      authenticate: (id, user, password, certified) => {
        const ok = guards.authenticate(id, user, password, certified);
        return ok && !ready && principalOf(user)?.kind !== 'cell' ? 'unavailable' : ok;
      },
      authorizePublish: guards.authorizePublish,
      authorizeSubscribe: guards.authorizeSubscribe,
    });
  }

  const stopTlsWatch = broker && cell.broker.kind === 'embedded' && cell.broker.tls
    ? watchBrokerTls(broker, cell.broker.tls.pkiDir, cell.path, log) : () => undefined;
  const system = startActorSystem();
  const observe = new CellObservability();
  const ownLogin = brokerLogin(cell, { kind: 'cell', cell: cell.path }, secret);
  // The API cell keeps its routing state in a file of its own, beside the REST API's database (the
  // cell's database in the topology), exactly as `novacell up` lays them out. The REST API's database
  // is opened first: it holds the instance mappings, which the API cell keeps from its start.
  const isApiCell = cell.parentPath === null;
  const store = isApiCell ? await openCellApiStore(plan, cell, clock) : undefined;
  const metadataUrl = o.metadataUrl === undefined ? undefined : parseMetadataUrl(o.metadataUrl);
  const metadataListen = o.metadataListen === undefined ? undefined : parseMetadataListen(o.metadataListen);
  const cellStarted = await startCell({
    plan, cell, clock, rng, log, system, computeInProcess: o.compute ?? true, instruments: observe.instrumentsFor(cell.path),
    ...(metadataUrl ? {
      driverFor: (h: PlanHost) => defaultDriver(clock, rng, h, {
        dataDir: plan.dataDir, log, metadata: { url: metadataUrl, sharedSecret: metadataSharedSecret(plan, cell) },
        forceConfigDrive: cell.nova.DEFAULT.force_config_drive,
      }),
    } : {}),
    ...(isApiCell ? { db: { file: join(plan.dataDir, 'api.cells.sqlite') } } : {}),
    ...(store ? { instanceMappings: store.instances } : {}),
    connectOwn: (id) => connectWithRetry({
      login: ownLogin, clientId: id, topicPrefix: cellPrefix(cell.path), clock, rng: rng.stream(`bus:${id}`), log,
      what: `the broker of cell ${cell.path}`,
    }),
    connectParent: parent
      ? (_id, will) => connectWithRetry({
          login: brokerLogin(parent, { kind: 'link', child: cell.path }, secret), clientId: linkClientId(cell.path),
          topicPrefix: cellPrefix(parent.path), clock, rng: rng.stream(`bus:link:${cell.path}`), log, will,
          what: `the broker of parent cell ${parent.path}`,
        })
      : undefined,
  });
  const { running: rc, apiCell } = cellStarted;
  if (broker) rc.broker = broker;
  observe.watch(rc, clock, apiCell);
  let http: CellHttp | undefined;
  if (httpListen) {
    // The API cell also serves the dashboard, behind identity from the topology's users.
    const identity = apiCell ? await dashboardIdentity(plan, clock, rng) : undefined;
    http = await startCellHttp({
      listen: httpListen, observe, clock, rng, log, isAdmin: adminByCellLogin(secret, cell.path),
      mount: apiCell && identity
        ? (app) => mountDashboard(app, { plan, apiCell, identity, clock, log: log.child({ service: 'dashboard' }) })
        : undefined,
    });
  }
  const own = rc.buses[0]!;
  if (apiCell) {
    await serveStatus(own, cell.path, (t) => apiCell.status(t), log);
    await serveCellsPort(own, cell.path, apiCell, log);
    // Children not up yet get the global data when they say hello; nothing waits for them here.
    void apiCell.setFlavors(planFlavors(plan));
    void apiCell.syncAggregates(plan.aggregates.map((a) => ({
      id: a.id, name: a.name, availabilityZone: a.availability_zone, metadata: a.metadata, hosts: a.hosts,
    })));
  } else {
    await serveStatus(own, cell.path, (t) => rc.node!.status(t), log);
  }
  ready = true;
  const computeApi = apiCell ? new ComputeAPI(apiCell, clock, rng.stream('api')) : undefined;
  const api = computeApi && apiCell && store ? await serveOpenStackApis(plan, store, computeApi, { clock, rng, log, listenOverridden: o.apiListen !== undefined, placement: apiCell }) : undefined;
  // The API cell's process also answers guests' metadata requests (nova-api-metadata beside nova-api).
  const metadata = computeApi && api && store
    ? await startPlanMetadata(plan, computeApi, { clock, rng, log, listen: metadataListen ?? { host: '127.0.0.1', port: 0 }, instances: store.instances })
    : undefined;

  const db = cell.database.kind === 'sqlite' ? cell.database.file : redactUrl(cell.database.url);
  const role = apiCell ? 'API cell' : cell.isLeaf ? 'leaf cell' : 'cell';
  const hosts = cell.isLeaf ? `, ${cell.hostNames.length} hosts ${o.compute === false ? 'served by compute agents' : 'in this process'}` : '';
  const httpNote = http ? `; metrics ${http.url}/metrics, health ${http.url}/healthcheck${apiCell ? `, dashboard ${http.url}/dashboard/` : ''}` : '';
  process.stdout.write(`${role} ${cell.path}: ready — broker ${redactUrl(ownUrl)} (${cell.broker.kind}), database ${db}${hosts}${httpNote}\n`);
  if (api) {
    process.stdout.write(`API ${api.url} (identity ${api.url}/identity, compute ${api.url}/compute/v2.1, image ${api.url}/image)\n`);
    if (api.cloudsYamlPath) process.stdout.write(`clouds.yaml: ${api.cloudsYamlPath} (cloud "novacell")\n`);
  }
  if (metadata) process.stdout.write(`metadata ${metadata.url} (nova-api-metadata)\n`);
  const stopWatching = watchChildren(apiCell?.role ?? rc.role, cell.childPaths, log);
  const purger = startPeriodicPurge({
    clock, log, intervalSeconds: plan.purge.intervalSeconds, ageSeconds: plan.purge.deletedRowsAgeSeconds,
    purge: async (before) => {
      const total = apiCell ? await apiCell.purgeDeleted(before) : {};
      if (store) mergeCounts(total, await store.purgeDeleted(before));
      return rc.db ? mergeCounts(total, await purgeDeletedRows(rc.db, before)) : total;
    },
  });
  started();

  await untilSignal(log, async () => {
    stopWatching();
    stopTlsWatch();
    purger.stop();
    await http?.close();
    await api?.close();
    await metadata?.close();
    rc.compute?.stop();
    rc.node?.stop();
    rc.role?.stop();
    if (rc.node && rc.parentBus?.connected()) {
      await Promise.race([rc.node.leave().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
    for (const b of rc.buses) await b.close();
    await rc.parentBus?.close();
    await rc.leaf?.stop();
    await rc.writer?.close();
    await rc.db?.destroy();
    await apiCell?.stop();
    await store?.close();
    stopActor(system);
    await broker?.close();
  });
}
