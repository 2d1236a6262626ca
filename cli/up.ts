/**
 * `novacell up [topology]`: start a topology in this process on its embedded defaults. Today every leaf
 * cell runs as a complete cell (its own broker on its port, its own SQLite file, its fake hosts); the
 * links between cells and the API cell come with the cell tree. Stops cleanly on SIGINT/SIGTERM, and
 * a restart on the same data directory resumes where it stopped.
 */
import { resolve } from 'node:path';
import { RealClock } from '../runtime/clock/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { loadTopology } from '../topology/load.ts';
import { resolvePlan } from '../topology/plan.ts';
import { SingleCell } from '../cells/single-cell.ts';

export async function up(file: string): Promise<void> {
  const log = createLogger({ service: 'novacell' });
  const path = resolve(file);
  const plan = resolvePlan(loadTopology(path), { baseDir: process.cwd() });
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
  process.stdout.write(`novacell is up (${cells.length} cells); Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    const stop = async (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      for (const c of cells) await c.stop();
      done();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}
