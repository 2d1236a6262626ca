/**
 * `novacell up [topology]`: start a whole topology in this process on its embedded defaults: the cell
 * tree (every cell with its own broker on its port and its own SQLite file, leaves with their fake
 * hosts), and the API cell serving the OpenStack APIs (identity, compute, image, placement) on the
 * topology's api.listen, every action going through the tree, and nova-api-metadata on its own port. Stops cleanly on SIGINT/SIGTERM, and a restart
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
import { computeApiSource, startMetadataServer } from '../actors/api/metadata/index.ts';

export interface UpOptions {
  /** Overrides the topology's data_dir. */
  dataDir?: string;
  /** Overrides the topology's api.listen (host:port; port 0 picks a free one). */
  apiListen?: string;
  /** Overrides broker_base_port (0: every embedded broker on a free port). */
  brokerBasePort?: number;
  /** Where nova-api-metadata listens (host:port; default 127.0.0.1:0, a free port). */
  metadataListen?: string;
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
function tokenSecret(dataDir: string, name = 'api-token-secret'): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function splitListen(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--metadata-listen: expected host:port, got ${JSON.stringify(s)}`);
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), port];
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
  const api = await startApiService({
    plan, store, computeApi, clock, rng, log, tokenSecret: tokenSecret(plan.dataDir), listen: { host, port },
    ...(opts.apiListen === undefined ? { publicUrl: plan.api.publicUrl } : {}),
  });
  const md = plan.cells[0]!.nova;
  const [mdHost, mdPort] = splitListen(opts.metadataListen ?? '127.0.0.1:0');
  const metadata = await startMetadataServer({
    host: mdHost, port: mdPort, log, clock, rng: rng.stream('metadata:request-ids'), source: computeApiSource(computeApi),
    sharedSecret: md.neutron.metadata_proxy_shared_secret || tokenSecret(plan.dataDir, 'metadata-proxy-shared-secret'),
    cacheExpirationS: md.api.metadata_cache_expiration, defaultAvailabilityZone: md.DEFAULT.default_availability_zone,
  });
  process.stdout.write(`metadata ${metadata.url} (nova-api-metadata)\n`);
  process.stdout.write(`API ${api.url} (identity ${api.url}/identity, compute ${api.url}/compute/v2.1, image ${api.url}/image)\n`);
  if (api.cloudsYamlPath) process.stdout.write(`clouds.yaml: ${api.cloudsYamlPath} (cloud "novacell")\n`);
  process.stdout.write(`novacell is up (${tree.cells.size} cells); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = async (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      await metadata.close();
      await api.close();
      await store.close();
      await tree.stop();
      done();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
