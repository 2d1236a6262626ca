/**
 * `novacell up [topology]`: start a whole topology in this process on its embedded defaults: the cell
 * tree (every cell with its own broker on its port and its own SQLite file, leaves with their fake
 * hosts), and the API cell serving the OpenStack APIs (identity, compute, image, placement) on the
 * topology's api.listen, every action going through the tree. Stops cleanly on SIGINT/SIGTERM, and a restart
 * on the same data directory resumes where it stopped.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RealClock } from '../runtime/clock/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { loadTopology } from '../topology/load.ts';
import { resolvePlan } from '../topology/plan.ts';
import type { Topology } from '../topology/index.ts';
import { CellTree } from '../cells/tree/tree.ts';
import { openApiStore, startApiService } from '../actors/api/api-service.ts';
import { startConsoleProxies, tokenCheckOver } from '../actors/console/proxies/index.ts';
import { consoleBaseUrls } from '../actors/console/console-urls.ts';

export interface UpOptions {
  /** Overrides the topology's data_dir. */
  dataDir?: string;
  /** Overrides the topology's api.listen (host:port; port 0 picks a free one). */
  apiListen?: string;
  /** Overrides broker_base_port (0: every embedded broker on a free port). */
  brokerBasePort?: number;
}

function withOverrides(t: Topology, o: UpOptions): Topology {
  return {
    ...t,
    ...(o.dataDir !== undefined ? { data_dir: o.dataDir } : {}),
    ...(o.brokerBasePort !== undefined ? { broker_base_port: o.brokerBasePort } : {}),
    ...(o.apiListen !== undefined ? { api: { ...t.api, listen: o.apiListen, public_url: undefined } } : {}),
  } as Topology;
}

/** The token signing key, made once per data directory so tokens survive a restart. */
function tokenSecret(dataDir: string): string {
  const file = join(dataDir, 'api-token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export async function up(file: string, opts: UpOptions = {}): Promise<void> {
  const log = createLogger({ service: 'novacell' });
  const path = resolve(file);
  const plan = resolvePlan(withOverrides(loadTopology(path), opts), { baseDir: process.cwd() });
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
  const tree = await CellTree.start({
    plan, clock, rng, log,
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
    plan, store, computeApi, clock, rng, log, tokenSecret: tokenSecret(plan.dataDir), listen: { host, port },
    consoleBaseUrls: () => consoleBaseUrls(consoleConfig, proxies.listening),
    ...(opts.apiListen === undefined ? { publicUrl: plan.api.publicUrl } : {}),
  });
  process.stdout.write(`API ${api.url} (identity ${api.url}/identity, compute ${api.url}/compute/v2.1, image ${api.url}/image)\n`);
  if (api.cloudsYamlPath) process.stdout.write(`clouds.yaml: ${api.cloudsYamlPath} (cloud "novacell")\n`);
  process.stdout.write(`novacell is up (${tree.cells.size} cells); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = async (sig: string) => {
      log.info({ signal: sig }, 'stopping');
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
