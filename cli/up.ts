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
import { createLogger } from '../runtime/log/index.ts';
import { CellTree } from '../cells/tree/tree.ts';
import { openApiStore, startApiService } from '../actors/api/api-service.ts';
import { startConsoleProxies, tokenCheckOver } from '../actors/console/proxies/index.ts';
import { consoleBaseUrls } from '../actors/console/console-urls.ts';
import { CellObservability } from '../cells/observe/index.ts';
import { adminByToken } from './observe-http.ts';
import { mountDashboard } from '../web/index.ts';

import { computeApiSource, startMetadataServer } from '../actors/api/metadata/index.ts';

export type UpOptions = PlanOverrides & {
  /** Where nova-api-metadata listens (host:port; default 127.0.0.1:0, a free port). */
  metadataListen?: string;
};

function splitListen(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--metadata-listen: expected host:port, got ${JSON.stringify(s)}`);
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), port];
}

export async function up(file: string, opts: UpOptions = {}): Promise<void> {
  // No bindings at the root: each service adds its own (service, cell, host), so no key appears twice in a line.
  const log = createLogger({});
  const path = resolve(file);
  const plan = loadPlan(path, opts);
  ensurePrivateDir(plan.dataDir, true);
  const clock = new RealClock();
  const rng = entropyRng();
  for (const c of plan.cells) {
    if (c.broker.kind !== 'embedded' || c.database.kind !== 'sqlite') {
      throw new Error(`cell ${c.path}: external brokers and databases need one process per cell (novacell cell run)`);
    }
  }
  const apiCell = plan.cells[0]!;
  const apiDb = apiCell.database.kind === 'sqlite' ? apiCell.database.file : join(plan.dataDir, 'api.sqlite');
  // The API cell keeps its routing state (mappings, instance copies, pending builds) beside the REST
  // API's own database, in a file of its own.
  // The same deployment secret as `cell run`: broker passwords per principal, and `novacell status`
  // and `novacell credentials` work against this process too.
  const { secrets } = ensureSecrets(secretsPath(plan));
  const observe = new CellObservability();
  const tree = await CellTree.start({
    plan, clock, rng, log, brokerSecret: secrets.broker_secret, observe,
    dbFile: (c) => (c === apiCell ? join(plan.dataDir, 'api.cells.sqlite') : (c.database as { file: string }).file),
  });
  for (const [path, rc] of tree.cells) {
    const hosts = plan.hosts.filter((h) => h.cell === path).length;
    process.stdout.write(`cell ${path}: broker ${rc.broker?.url}${hosts ? `, ${hosts} hosts` : ''}\n`);
  }
  const store = await openApiStore(apiDb, plan, clock);
  const computeApi = tree.api;
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
  const md = plan.cells[0]!.nova;
  const [mdHost, mdPort] = splitListen(opts.metadataListen ?? '127.0.0.1:0');
  const metadata = await startMetadataServer({
    host: mdHost, port: mdPort, log, clock, rng: rng.stream('metadata:request-ids'), source: computeApiSource(computeApi),
    sharedSecret: md.neutron.metadata_proxy_shared_secret || apiTokenSecret(plan.dataDir, 'metadata-proxy-shared-secret'),
    cacheExpirationS: md.api.metadata_cache_expiration, defaultAvailabilityZone: md.DEFAULT.default_availability_zone,
  });
  process.stdout.write(`metadata ${metadata.url} (nova-api-metadata)\n`);
  process.stdout.write(`API ${api.url} (identity ${api.url}/identity, compute ${api.url}/compute/v2.1, image ${api.url}/image)\n`);
  process.stdout.write(`metrics ${api.url}/metrics, health ${api.url}/healthcheck, dashboard ${api.url}/dashboard/\n`);
  if (api.cloudsYamlPath) process.stdout.write(`clouds.yaml: ${api.cloudsYamlPath} (cloud "novacell")\n`);
  for (const [cellPath, rc] of tree.cells) {
    const own = rc.buses[0];
    if (!own) continue;
    await serveStatus(own, cellPath, (t) => (cellPath === apiCell.path ? tree.apiCell.status(t) : rc.node!.status(t)));
  }
  writeUpState(plan.dataDir, {
    topology: path, pid: process.pid, api: api.url,
    brokers: Object.fromEntries([...tree.cells].map(([p, rc]) => [p, rc.broker?.url ?? ''])),
  });
  const purger = startPeriodicPurge({
    clock, log, intervalSeconds: plan.purge.intervalSeconds, ageSeconds: plan.purge.deletedRowsAgeSeconds,
    purge: async (before) => {
      const total = await tree.apiCell.purgeDeleted(before);
      for (const rc of tree.cells.values()) if (rc.db) mergeCounts(total, await purgeDeletedRows(rc.db, before));
      store.instances.forgetDeleted(before);
      return mergeCounts(total, await purgeDeletedRows(store.db, before));
    },
  });
  process.stdout.write(`novacell is up (${tree.cells.size} cells); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = async (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      purger.stop();
      removeUpState(plan.dataDir);
      await metadata.close();
      await api.close();
      await proxies.close();
      await store.close();
      await tree.stop();
      done();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
