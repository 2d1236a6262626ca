/**
 * `novacell up [topology]`: start a topology in this process on its embedded defaults. Every leaf cell
 * runs as a complete cell (its own broker on its port, its own SQLite file, its fake hosts), and the
 * API cell serves the OpenStack APIs (identity, compute, image, placement) on the topology's
 * api.listen, reaching the cells through apiCellsPort. Stops cleanly on SIGINT/SIGTERM, and a restart
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
import { SingleCell } from '../cells/single-cell.ts';
import { ComputeAPI } from '../actors/api/compute-api.ts';
import { openApiStore, startApiService } from '../actors/api/api-service.ts';
import { apiCellsPort } from './api-cells.ts';

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
  const cells: SingleCell[] = [];
  for (const c of plan.cells.filter((x) => x.isLeaf && !x.disabled)) {
    if (c.broker.kind !== 'embedded' || c.database.kind !== 'sqlite') {
      throw new Error(`cell ${c.path}: external brokers and databases need one process per cell (novacell cell run)`);
    }
    const hosts = plan.hosts
      .filter((h) => h.cell === c.path)
      .map((h) => ({
        name: h.name, vcpus: h.vcpus, memoryMb: h.memory_mb, diskGb: h.disk_gb,
        spawnTimeMs: h.driver_options.spawn_time_ms ?? 0, failureRate: h.driver_options.failure_rate ?? 0,
      }));
    const cell = await SingleCell.start({
      name: c.path, db: { file: c.database.file }, brokerPort: c.broker.port, hosts, clock, rng,
      config: c.nova, log: log.child({ cell: c.path }),
    });
    cells.push(cell);
    process.stdout.write(`cell ${c.path}: broker ${cell.broker?.url}, database ${c.database.file}, ${hosts.length} hosts\n`);
  }

  const apiCell = plan.cells[0]!;
  const apiDb = apiCell.database.kind === 'sqlite' ? apiCell.database.file : join(plan.dataDir, 'api.sqlite');
  const store = await openApiStore(apiDb, plan, clock);
  const defaultZone = apiCell.nova.DEFAULT.default_availability_zone;
  const link = await apiCellsPort(cells, store, defaultZone, clock, rng);
  const computeApi = new ComputeAPI(link.port, clock, rng.stream('api:compute-api'));
  const [host, port] = [plan.api.host, plan.api.port];
  const api = await startApiService({
    plan, store, computeApi, clock, rng, log, tokenSecret: tokenSecret(plan.dataDir), listen: { host, port },
    ...(opts.apiListen === undefined ? { publicUrl: plan.api.publicUrl } : {}),
  });
  process.stdout.write(`API ${api.url} (identity ${api.url}/identity, compute ${api.url}/compute/v2.1, image ${api.url}/image)\n`);
  if (api.cloudsYamlPath) process.stdout.write(`clouds.yaml: ${api.cloudsYamlPath} (cloud "novacell")\n`);
  process.stdout.write(`novacell is up (${cells.length} cells); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = async (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      await api.close();
      await link.close();
      await store.close();
      for (const c of cells) await c.stop();
      done();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
