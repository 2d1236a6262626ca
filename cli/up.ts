/**
 * `novacell up [topology]`: start a whole topology in this process on its embedded defaults: the cell
 * tree (every cell with its own broker on its port and its own SQLite file, leaves with their fake
 * hosts), and the API cell serving the OpenStack APIs (identity, compute, image, placement) on the
 * topology's api.listen, every action going through the tree, and nova-api-metadata on its own port. Stops cleanly on SIGINT/SIGTERM, and a restart
 * on the same data directory resumes where it stopped.
 */
import { serveStatus } from '../cells/tree/status.ts';
import { apiTokenSecret, ensureSecrets, secretsPath } from './secrets.ts';
import { loadPlan, type PlanOverrides } from './deployment.ts';
import { removeUpState, writeUpState } from './up-state.ts';
import { mergeCounts, purgeDeletedRows, startPeriodicPurge } from '../actors/conductor/db-purge.ts';
import { join, resolve } from 'node:path';
import { ensurePrivateDir } from '../runtime/db/index.ts';
import { RealClock } from '../runtime/clock/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import { createLogger, type Logger } from '../runtime/log/index.ts';
import { CellTree } from '../cells/tree/tree.ts';
import { openApiStore, startApiService } from '../actors/api/api-service.ts';
import { startConsoleProxies, tokenCheckOver } from '../actors/console/proxies/index.ts';
import { consoleBaseUrls } from '../actors/console/console-urls.ts';
import { CellObservability } from '../cells/observe/index.ts';
import { adminByToken } from './observe-http.ts';
import { mountDashboard } from '../web/index.ts';

import { defaultDriver } from '../cells/leaf/default-driver.ts';
import type { PlanCell, PlanHost, TopologyPlan } from '../topology/plan-types.ts';
import { freeBasePort, startCellProcesses } from './cell-processes.ts';
import { UsageError } from './usage-error.ts';
import type { ComputeAPI } from '../actors/api/compute-api.ts';
import { metadataSharedSecret, parseMetadataListen, startPlanMetadata } from './metadata-service.ts';

export type UpOptions = PlanOverrides & {
  /** Where nova-api-metadata listens (host:port; default 127.0.0.1:0, a free port). */
  metadataListen?: string;
  /** Every cell but the API cell in a `novacell cell run` child process (default: all in this one). */
  processes?: boolean;
};

/**
 * The plan `up` runs: with --processes and broker_base_port 0 the children must find each other's
 * brokers, so the free ports are chosen here, once, and handed to every child as its base port.
 */
async function upPlan(path: string, opts: UpOptions, log: Logger): Promise<{ plan: TopologyPlan; overrides: PlanOverrides }> {
  const overrides: PlanOverrides = { dataDir: opts.dataDir, apiListen: opts.apiListen, brokerBasePort: opts.brokerBasePort };
  // `up` keeps plain MQTT with a password per principal, its child processes (--processes) too.
  const plan = loadPlan(path, overrides, 'single');
  const apiCell = plan.cells[0]!;
  const inProcess = opts.processes ? [apiCell] : plan.cells;
  for (const c of inProcess) {
    if (c.broker.kind !== 'embedded' || c.database.kind !== 'sqlite') {
      throw new UsageError(`cell ${c.path}: external brokers and databases need one process per cell (novacell cell run${opts.processes ? '' : ', or up --processes for cells below the API cell'})`);
    }
  }
  if (!opts.processes) {
    if (plan.brokerTls.mode === 'mutual') log.warn('broker_tls mutual applies to one process per cell (novacell cell run); novacell up keeps plain MQTT with passwords');
    return { plan, overrides };
  }
  if (plan.brokerTls.mode !== 'off') {
    throw new UsageError('up --processes: broker_tls mutual needs certificates per cell; run the cells with novacell cell run (docs/operations.md)');
  }
  const unset = plan.cells.filter((c) => c.broker.kind === 'embedded' && c.broker.port === 0).length;
  if (unset === 0) return { plan, overrides };
  const picked = { ...overrides, dataDir: plan.dataDir, brokerBasePort: await freeBasePort(unset) };
  return { plan: loadPlan(path, picked, 'single'), overrides: picked };
}

/** The sqlite file of a cell `up` runs in this process (it refuses any other database before starting). */
function sqliteFile(c: PlanCell): string {
  if (c.database.kind !== 'sqlite') throw new UsageError(`cell ${c.path}: novacell up runs sqlite cells only`);
  return c.database.file;
}

export async function up(file: string, opts: UpOptions = {}): Promise<void> {
  // No bindings at the root: each service adds its own (service, cell, host), so no key appears twice in a line.
  const log = createLogger({});
  const path = resolve(file);
  const { plan, overrides } = await upPlan(path, opts, log);
  ensurePrivateDir(plan.dataDir, true);
  const clock = new RealClock();
  const rng = entropyRng();
  const apiCell = plan.cells[0]!;
  const apiDb = apiCell.database.kind === 'sqlite' ? apiCell.database.file : join(plan.dataDir, 'api.sqlite');
  // The API cell keeps its routing state (instance copies, pending builds) beside the REST API's own
  // database, in a file of its own; the instance mappings are the REST API database's, opened first.
  const store = await openApiStore(apiDb, plan, clock);
  // The same deployment secret as `cell run`: broker passwords per principal, and `novacell status`
  // and `novacell credentials` work against this process too.
  const { secrets } = ensureSecrets(secretsPath(plan));
  const observe = new CellObservability();
  // nova-api-metadata first: the qemu hosts' guests reach it through per-guest proxies that need its
  // URL when the tree starts them; it reads instances once the tree's ComputeAPI exists.
  let computeApiRef: ComputeAPI | undefined;
  const metadata = await startPlanMetadata(plan, () => computeApiRef, {
    clock, rng, log, listen: parseMetadataListen(opts.metadataListen ?? '127.0.0.1:0'), instances: () => store.instances,
  });
  const sharedSecret = metadataSharedSecret(plan);
  const driverFor = (h: PlanHost) => defaultDriver(clock, rng, h, {
    dataDir: plan.dataDir, log, metadata: { url: metadata.url, sharedSecret },
    forceConfigDrive: plan.cells.find((c) => c.path === h.cell)?.nova.DEFAULT.force_config_drive ?? false,
  });
  const tree = await CellTree.start({
    plan, clock, rng, log, brokerSecret: secrets.broker_secret, observe, driverFor, instanceMappings: store.instances,
    dbFile: (c) => (c === apiCell ? join(plan.dataDir, 'api.cells.sqlite') : sqliteFile(c)),
    ...(opts.processes ? { only: (c: PlanCell) => c === apiCell } : {}),
  });
  const children = opts.processes
    ? startCellProcesses({
        topology: path, cells: plan.cells.slice(1), dataDir: plan.dataDir, brokerBasePort: overrides.brokerBasePort,
        apiListen: overrides.apiListen, metadataUrl: metadata.url, log,
        out: (cell, line) => log.debug({ cell, line }, 'cell process'),
      })
    : undefined;
  try {
    await children?.ready;
  } catch (e) {
    await children?.stop();
    await tree.stop();
    await store.close();
    throw e;
  }
  for (const c of plan.cells) {
    const hosts = plan.hosts.filter((h) => h.cell === c.path).length;
    const url = tree.cells.get(c.path)?.broker?.url ?? c.broker.url;
    const pid = children?.processes.get(c.path)?.pid();
    process.stdout.write(`cell ${c.path}: broker ${url}${hosts ? `, ${hosts} hosts` : ''}${pid ? ` (process ${pid})` : ''}\n`);
  }
  const computeApi = tree.api;
  computeApiRef = computeApi;
  const [host, port] = [plan.api.host, plan.api.port];
  // The console proxies (noVNC, SPICE-HTML5, serial, XVP) on the API cell's [vnc]/[spice]/... options.
  const consoleConfig = apiCell.nova;
  const proxies = await startConsoleProxies({
    config: consoleConfig, check: tokenCheckOver(computeApi), log, fallbackToFreePort: true, defaultHost: host,
  });
  for (const [kind, l] of Object.entries(proxies.listening)) process.stdout.write(`console proxy ${kind}: ${l.host}:${l.port}\n`);
  const api = await startApiService({
    plan, store, computeApi, clock, rng, log, tokenSecret: apiTokenSecret(plan.dataDir), listen: { host, port },
    consoleBaseUrls: () => consoleBaseUrls(consoleConfig, proxies.listening),
    placement: tree.apiCell,
    mount: (app, identity) => {
      observe.mount(app, { clock, isAdmin: adminByToken(identity) });
      mountDashboard(app, { plan, apiCell: tree.apiCell, identity, clock, log: log.child({ service: 'dashboard' }) });
    },
    ...(opts.apiListen === undefined && port !== 0 ? { publicUrl: plan.api.publicUrl } : {}),
  });
  process.stdout.write(`metadata ${metadata.url} (nova-api-metadata)\n`);
  process.stdout.write(`API ${api.url} (identity ${api.url}/identity, compute ${api.url}/compute/v2.1, image ${api.url}/image)\n`);
  process.stdout.write(`metrics ${api.url}/metrics, health ${api.url}/healthcheck, dashboard ${api.url}/dashboard/\n`);
  if (api.cloudsYamlPath) process.stdout.write(`clouds.yaml: ${api.cloudsYamlPath} (cloud "novacell")\n`);
  for (const [cellPath, rc] of tree.cells) {
    const own = rc.buses[0];
    if (!own) continue;
    await serveStatus(own, cellPath, (t) => (cellPath === apiCell.path ? tree.apiCell.status(t) : rc.node!.status(t)), log.child({ cell: cellPath }));
  }
  writeUpState(plan.dataDir, {
    topology: path, pid: process.pid, api: api.url,
    brokers: Object.fromEntries(plan.cells.map((c) => [c.path, tree.cells.get(c.path)?.broker?.url ?? c.broker.url])),
  });
  const purger = startPeriodicPurge({
    clock, log, intervalSeconds: plan.purge.intervalSeconds, ageSeconds: plan.purge.deletedRowsAgeSeconds,
    purge: async (before) => {
      const total = await tree.apiCell.purgeDeleted(before);
      for (const rc of tree.cells.values()) if (rc.db) mergeCounts(total, await purgeDeletedRows(rc.db, before));
      return mergeCounts(total, await store.purgeDeleted(before));
    },
  });
  const mode = children ? `, ${children.processes.size + 1} processes` : '';
  process.stdout.write(`novacell is up (${plan.cells.length} cells${mode}); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = async (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      purger.stop();
      removeUpState(plan.dataDir);
      await children?.stop();
      await metadata.close();
      await api.close();
      await proxies.close();
      // The tree first: the API cell writes the mappings through the store until it stops.
      await tree.stop();
      await store.close();
      done();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
