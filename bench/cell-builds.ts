/**
 * Builds per second through one cell over the real MQTT bus (embedded aedes on loopback, SQLite file,
 * FakeDriver with zero spawn time): N servers requested in one burst, timed from the first request to
 * the last ACTIVE. Prints each run, the median, build latency percentiles, the process's CPU time
 * (user + system, all threads) per build, and peak RSS.
 *   npx tsx bench/cell-builds.ts [servers=2000] [runs=3] [hosts=50] [mqtt|memory] [--warm N]
 * `memory` runs the same cell on the in-memory bus (the simulator's transport) as a baseline that
 * shows what the MQTT hops cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../runtime/clock/index.ts';
import { SeededRng } from '../runtime/rng/index.ts';
import { novaConfig } from '../runtime/config/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { SingleCell } from '../cells/single-cell.ts';
import { MemoryHub } from '../runtime/bus/index.ts';
import { Command } from 'commander';
import { machine, median, percentile, rssMiB } from './machine.ts';
import { aedesRoundTripsPerSecond } from './reference.ts';
import { Burst, warmBuilds } from './burst.ts';

const cli = new Command('cell-builds')
  .description('builds/s through one cell; prints a bare aedes QoS 1 round-trip rate measured in the same run and the ratio')
  .argument('[servers]', 'servers in the burst', '2000')
  .argument('[runs]', 'runs (the median is reported)', '3')
  .argument('[hosts]', 'fake compute hosts', '50')
  .argument('[transport]', 'mqtt or memory', 'mqtt')
  .option('--warm <n>', 'builds through the same cell before the timed burst, untimed (a long-running cell is warm)', '0')
  .parse();
const warm = warmBuilds(cli.opts<{ warm: string }>().warm, (m) => cli.error(m));
const [servers, runs, hostCount] = cli.processedArgs.slice(0, 3).map(Number);
const transportKind = cli.processedArgs[3] === 'memory' ? 'memory' : 'mqtt';
const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'cirros', properties: {} };

async function once(run: number): Promise<{ rate: number; p50: number; p99: number; cpuPerBuild: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'novacell-bench-'));
  const hosts = Array.from({ length: hostCount }, (_, i) => ({ name: `compute${i}`, vcpus: 64, memoryMb: 262144, diskGb: 4000 }));
  const clock = new RealClock();
  const cell = await SingleCell.start({
    name: 'bench', db: { file: join(dir, 'bench.sqlite') }, hosts, clock, rng: new SeededRng(`bench-${run}`),
    transport: transportKind === 'memory' ? { kind: 'memory', hub: new MemoryHub() } : { kind: 'mqtt' },
    config: novaConfig(), log: createLogger({}, 'silent'),
  });
  while (cell.services.ctx.hostManager.hosts().length < hostCount) await new Promise((r) => setTimeout(r, 5));
  const burst = new Burst();
  cell.services.ctx.store.onChange((inst) => {
    if (inst.vmState === 'active') burst.active(inst.uuid);
  });
  const ctx = { projectId: 'bench', userId: 'bench', reqId: 'req-bench' };
  const create = (name: string) => (i: number) => cell.api.create({ name: `${name}${i}`, flavor, image }, { ...ctx, reqId: `req-${name}${i}` });
  if (warm > 0) await burst.run(warm, create('warm'));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await burst.run(servers, create('vm'));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuPerBuild = (cpu.user + cpu.system) / servers;
  await cell.stop();
  rmSync(dir, { recursive: true, force: true });
  return { rate: servers / secs, p50: percentile(burst.latencies, 50), p99: percentile(burst.latencies, 99), cpuPerBuild };
}

console.log(`cell-builds: ${servers} servers, ${hostCount} fake hosts, one cell over ${transportKind}${warm ? `, after ${warm} untimed` : ''} — ${machine()}`);
const rt = await aedesRoundTripsPerSecond();
console.log(`reference: bare aedes QoS 1 round trips, one at a time: ${rt.toFixed(0)}/s here`);
const rates: number[] = [];
const p50s: number[] = [];
const p99s: number[] = [];
const cpus: number[] = [];
for (let r = 0; r < runs; r++) {
  const { rate, p50, p99, cpuPerBuild } = await once(r);
  rates.push(rate);
  cpus.push(cpuPerBuild);
  p50s.push(p50);
  p99s.push(p99);
  console.log(`  run ${r + 1}: ${rate.toFixed(0)} builds/s, latency p50 ${p50.toFixed(0)} ms p99 ${p99.toFixed(0)} ms, CPU ${cpuPerBuild.toFixed(0)} µs/build, rss ${rssMiB()} MiB`);
}
console.log(`median: ${median(rates).toFixed(0)} builds/s = ${(median(rates) / rt).toFixed(3)} × the aedes round-trip rate, latency p50 ${median(p50s).toFixed(0)} ms, p99 ${median(p99s).toFixed(0)} ms, CPU ${median(cpus).toFixed(0)} µs/build, peak rss ${rssMiB()} MiB`);
process.exit(0);
