/**
 * Builds per second through the 3-level cell tree over real MQTT (API cell; 2 child cells; 2 leaf cells
 * under each; every cell with its own aedes broker on loopback and its own SQLite file; FakeDriver with
 * zero spawn time): N servers in one burst, from the first request to the last ACTIVE at the top;
 * also this process's CPU time (user + system, all threads) per build; in `processes` mode that is the
 * API cell's, and the CPU time of all the processes (the cell processes' from /proc) is printed beside it.
 * `processes`: as `up --processes` runs it, the API cell here and every other cell a `novacell cell run`
 * child process (real MQTT between them), so the tree uses every core.
 *   npx tsx bench/tree-builds.ts [servers=2000] [runs=3] [hostsPerLeaf=10] [mqtt|memory|processes]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../runtime/clock/index.ts';
import { SeededRng } from '../runtime/rng/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { CellTree, planFlavors } from '../cells/tree/tree.ts';
import { treePlan, treeTopology } from '../test/support/tree-topology.ts';
import { loadPlan } from '../cli/deployment.ts';
import { ensureSecrets, secretsPath } from '../cli/secrets.ts';
import { freeBasePort, startCellProcesses, type CellProcesses } from '../cli/cell-processes.ts';
import type { PlanHost, TopologyPlan } from '../topology/plan-types.ts';
import { defaultDriver } from '../cells/leaf/default-driver.ts';
import { Command } from 'commander';
import { machine, median, percentile, processesCpuMicros, rssMiB } from './machine.ts';
import { aedesRoundTripsPerSecond } from './reference.ts';
import { Burst, warmBuilds } from './burst.ts';

const cli = new Command('tree-builds')
  .description('builds/s through the 3-level cell tree; prints a bare aedes QoS 1 round-trip rate measured in the same run and the ratio')
  .argument('[servers]', 'servers in the burst', '2000')
  .argument('[runs]', 'runs (the median is reported)', '3')
  .argument('[hostsPerLeaf]', 'fake compute hosts per leaf cell', '10')
  .argument('[transport]', 'mqtt, memory, or processes (one process per cell but the API cell, as up --processes)', 'mqtt')
  .option('--warm <n>', 'builds through the same tree before the timed burst, untimed (the processes start cold: a long-running deployment is warm)', '0')
  .option('--nova <yaml>', "Nova options for every cell, as the topology's `nova:` takes them, e.g. '{cells.update_batch_interval: 0}' (send updates up at once, as before 2026-12-08)")
  .option('--no-fake-state', "fake hosts keep their guests in memory only (no <host>.json written per change; as before issue 10's restarts that keep state)")
  .parse();
const { fakeState, warm: warmArg, nova } = cli.opts<{ fakeState: boolean; warm: string; nova?: string }>();
const warm = warmBuilds(warmArg, (m) => cli.error(m));
const [servers, runs, perLeaf] = cli.processedArgs.slice(0, 3).map(Number);
const kind = (['memory', 'processes'] as const).find((k) => k === cli.processedArgs[3]) ?? 'mqtt';
const HOST = { vcpus: 64, memory_mb: 262144, disk_gb: 4000 };

/** The tree's topology as a file the child processes load, on a free port range; its plan and secret. */
async function processesPlan(dir: string): Promise<{ file: string; plan: TopologyPlan; base: number; secret: string }> {
  const file = join(dir, 'tree.yaml');
  writeFileSync(file, treeTopology({ hostsPerLeaf: perLeaf, host: HOST, dataDir: join(dir, 'data'), ...(nova ? { nova } : {}) }));
  const cells = loadPlan(file).cells.length;
  const base = await freeBasePort(cells);
  const plan = loadPlan(file, { brokerBasePort: base });
  return { file, plan, base, secret: ensureSecrets(secretsPath(plan)).secrets.broker_secret };
}

async function once(run: number) {
  const dir = mkdtempSync(join(tmpdir(), 'novacell-tree-bench-'));
  const multi = kind === 'processes' ? await processesPlan(dir) : undefined;
  const plan = multi?.plan ?? treePlan({ hostsPerLeaf: perLeaf, host: HOST, ...(nova ? { nova } : {}) });
  const log = createLogger({}, 'silent');
  const clock = new RealClock();
  const rng = new SeededRng(`tree-bench-${run}`);
  const tree = await CellTree.start({
    plan, clock, rng, log,
    dbFile: (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`), ephemeralPorts: !multi,
    transport: kind === 'memory' ? { kind: 'memory' } : { kind: 'mqtt' },
    ...(fakeState ? {} : { driverFor: (h: PlanHost) => defaultDriver(clock, rng, h, { dataDir: dir, fakeStateDir: null }) }),
    ...(multi ? { only: (c: { parentPath: string | null }) => c.parentPath === null, brokerSecret: multi.secret } : {}),
  });
  let children: CellProcesses | undefined;
  if (multi) {
    children = startCellProcesses({
      topology: multi.file, cells: plan.cells.slice(1), dataDir: plan.dataDir, brokerBasePort: multi.base, log,
      env: { NOVACELL_LOG_LEVEL: 'error' },
    });
    await children.ready;
  }
  while (tree.capacity().hostsUp < plan.hosts.length) await new Promise((r) => setTimeout(r, 5));
  const tiny = planFlavors(plan).find((f) => f.id === '1')!;
  const burst = new Burst();
  tree.apiCell.onInstanceChange((c) => {
    if (c.vmState === 'active') burst.active(c.uuid);
  });
  const create = (name: string) => (i: number) =>
    tree.api.create({ name: `${name}${i}`, flavor: tiny, image: { id: 'cirros', properties: {} } }, { projectId: 'b', userId: 'b', reqId: `req-${name}${i}` });
  if (warm > 0) await burst.run(warm, create('warm'));
  const pids = children ? [...children.processes.values()].map((p) => p.pid()).filter((p): p is number => p !== undefined) : [];
  const others0 = children ? processesCpuMicros(pids) : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await burst.run(servers, create('vm'));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuPerBuild = (cpu.user + cpu.system) / servers;
  const others1 = children ? processesCpuMicros(pids) : undefined;
  const allCpuPerBuild = others0 !== undefined && others1 !== undefined ? cpuPerBuild + (others1 - others0) / servers : undefined;
  await children?.stop();
  await tree.stop();
  rmSync(dir, { recursive: true, force: true });
  return { rate: servers / secs, p50: percentile(burst.latencies, 50), p99: percentile(burst.latencies, 99), cpuPerBuild, allCpuPerBuild };
}

console.log(`tree-builds: ${servers} servers, 3-level tree (4 leaves × ${perLeaf} hosts) over ${kind}${fakeState ? "" : ", fake guests in memory"}${warm ? `, after ${warm} untimed` : ''}${nova ? `, nova ${nova}` : ''} — ${machine()}`);
const rt = await aedesRoundTripsPerSecond();
console.log(`reference: bare aedes QoS 1 round trips, one at a time: ${rt.toFixed(0)}/s here`);
const rates: number[] = [];
const cpus: number[] = [];
const allCpus: number[] = [];
const allCpu = (us: number | undefined) => (us === undefined ? '' : ` (all processes ${us.toFixed(0)})`);
for (let r = 0; r < runs; r++) {
  const x = await once(r);
  rates.push(x.rate);
  cpus.push(x.cpuPerBuild);
  if (x.allCpuPerBuild !== undefined) allCpus.push(x.allCpuPerBuild);
  console.log(`  run ${r + 1}: ${x.rate.toFixed(0)} builds/s, latency p50 ${x.p50.toFixed(0)} ms p99 ${x.p99.toFixed(0)} ms, CPU ${x.cpuPerBuild.toFixed(0)}${allCpu(x.allCpuPerBuild)} µs/build, rss ${rssMiB()} MiB`);
}
console.log(`median: ${median(rates).toFixed(0)} builds/s = ${(median(rates) / rt).toFixed(3)} × the aedes round-trip rate, CPU ${median(cpus).toFixed(0)}${allCpu(allCpus.length ? median(allCpus) : undefined)} µs/build, peak rss ${rssMiB()} MiB`);
process.exit(0);
