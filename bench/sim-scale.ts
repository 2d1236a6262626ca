/**
 * Simulator scale benchmark: the large scenario (simulator/examples/large.yaml), or a slice of it with
 * the same per-host load, through the whole pipeline — cells started, workload, faults, oracle. Prints
 * wall time per phase, simulated time, build decisions per wall second, peak RSS, and how close the
 * hierarchy came to the oracle's acceptance rate.
 *
 *   npx tsx bench/sim-scale.ts                                   # 2 regions × 2 sites × 5 cells × 100 hosts, 20,000 requests
 *   npx tsx bench/sim-scale.ts --regions 10 --sites 10 --cells 10 --hosts 100 --requests 1000000   # the full target
 *   npx tsx bench/sim-scale.ts --oracle-only --regions 10 --sites 10 --cells 10 --requests 1000000
 *   npx tsx bench/sim-scale.ts --set database=memory             # keep SQLite writes, to see their cost
 *
 * The run goes in a worker thread with the young generation `novacell sim` gives a run
 * (simulator/sim-thread.ts). The full run keeps ~7 × 10^5 servers alive at the end: give Node a heap
 * above its 4 GB default, with NODE_OPTIONS=--max-old-space-size=14000 (the thread's limit is node's).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { runSimulation, type Progress } from '../simulator/engine.ts';
import { flavorNeed } from '../simulator/capacity.ts';
import { runOracle } from '../simulator/oracle/run.ts';
import { loadScenario } from '../simulator/scenario/index.ts';
import { formatDuration } from '../simulator/units.ts';
import { simThread } from '../simulator/sim-thread.ts';
import { machine } from './machine.ts';
import { referencePassMicros } from './reference.ts';

const { values: a } = parseArgs({
  options: {
    regions: { type: 'string', default: '2' },
    sites: { type: 'string', default: '2' },
    cells: { type: 'string', default: '5' },
    hosts: { type: 'string', default: '100' },
    requests: { type: 'string', default: '20000' },
    'oracle-only': { type: 'boolean', default: false },
    set: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  process.stdout.write(`Usage: sim-scale [--regions N] [--sites N] [--cells N] [--hosts N] [--requests N] [--oracle-only] [--set path=value]...
The large scenario (or a slice with the same load per host) through the whole simulator; prints wall time
per phase, decisions per wall second and, against a reference pass over 1,000 objects measured in the
same run, the wall cost of one decision in reference passes. Defaults: 2 regions, 2 sites, 5 cells,
100 hosts, 20,000 requests.\n`);
  process.exit(0);
}
if (isMainThread) {
  // The run goes in a thread with the heap `novacell sim` gives one (simulator/sim-thread.ts), so the
  // bench measures what the command does; this thread waits for it.
  const w = simThread(new URL(import.meta.url), { argv: process.argv.slice(2) });
  w.once('error', (e) => {
    process.stderr.write(`sim-scale: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
  const code = await new Promise<number>((resolve) => w.once('exit', resolve));
  process.exit(process.exitCode ?? code);
}
const refPass = referencePassMicros();

const LARGE = join(import.meta.dirname, '..', 'simulator', 'examples', 'large.yaml');
const FULL_HOSTS = 100_000;
const FULL_RATE_PER_MIN = 695;
const n = (k: keyof typeof a) => Number(a[k]);
const hosts = n('regions') * n('sites') * n('cells') * n('hosts');
const requests = n('requests');
// Same load per host as the full scenario: the rate scales with the hosts, the duration with the requests.
const ratePerMin = (FULL_RATE_PER_MIN * hosts) / FULL_HOSTS;
const durationMin = Math.ceil((requests / ratePerMin) * 1.02);
const scale = hosts / FULL_HOSTS;
const sets = [
  `topology.generate.regions=${a.regions}`, `topology.generate.sites_per_region=${a.sites}`,
  `topology.generate.cells_per_site=${a.cells}`, `topology.generate.hosts_per_cell=${a.hosts}`,
  `workload.arrivals.rate=${ratePerMin.toFixed(4)}/min`, `workload.max_requests=${requests}`, `duration=${durationMin}m`,
  // The full scenario's faults name sites and times that a slice may not have.
  ...(scale < 1 || durationMin < 24 * 60 ? ['faults=[]'] : []),
  ...(a.set ?? []),
];

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
const t0 = performance.now();
const scenario = loadScenario(LARGE, { set: sets });
const tLoaded = performance.now();

process.stdout.write(`machine: ${machine()}\n`);
process.stdout.write(`reference: one pass over 1,000 objects takes ${refPass.toFixed(2)} µs here\n`);
process.stdout.write(`topology: ${n('regions')} regions × ${n('sites')} sites × ${n('cells')} leaf cells × ${n('hosts')} hosts = ${hosts} hosts, ${scenario.plan.cells.filter((c) => c.isLeaf).length} leaf cells\n`);
process.stdout.write(`workload: ${requests} requests at ${ratePerMin.toFixed(1)}/min over ${formatDuration(durationMin * 60_000)} simulated, database ${scenario.database}\n`);
process.stdout.write(`scenario loaded in ${((tLoaded - t0) / 1000).toFixed(1)} s\n`);

if (a['oracle-only']) {
  const needs = scenario.plan.flavors.map(flavorNeed);
  const samples = Array.from({ length: Math.floor(scenario.durationMs / scenario.sampleMs) + 1 }, (_, i) => i * scenario.sampleMs);
  const o = runOracle(scenario, scenario.seed, needs, samples);
  const s = (performance.now() - tLoaded) / 1000;
  process.stdout.write(`oracle: ${o.requests} requests, ${o.instances} instances, acceptance ${(o.acceptanceRate * 100).toFixed(3)} % in ${s.toFixed(1)} s wall (${Math.round(o.instances / s)} placements/s)\n`);
} else {
  let lastLine = 0;
  const progress = (p: Progress) => {
    const now = performance.now();
    if (now - lastLine < 10_000 && p.phase !== 'done') return;
    lastLine = now;
    process.stderr.write(`  ${p.phase} ${formatDuration(Math.round(p.simMs / 1000) * 1000)} simulated, ${p.requests} requests, ${((now - t0) / 1000).toFixed(0)} s wall, rss ${mib(process.memoryUsage().rss)}\n`);
  };
  const out = await runSimulation({ scenario, wallClock: () => performance.now(), onProgress: progress });
  const w = out.wall;
  const c = out.counts;
  const acc = c.instances > 0 ? c.active / c.instances : 1;
  process.stdout.write(`wall: startup ${w.startupS.toFixed(1)} s, run ${w.runS.toFixed(1)} s, oracle ${w.oracleS.toFixed(1)} s, total ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`simulated: ${formatDuration(Math.round(out.simulatedMs))} (${w.simSecondsPerWallS.toFixed(0)} simulated s per wall s)\n`);
  process.stdout.write(`decisions: ${c.active + c.no_valid_host + c.error} (${w.decisionsPerWallS.toFixed(0)} per wall second = ${(1e6 / Math.max(1e-9, w.decisionsPerWallS) / refPass).toFixed(0)} reference passes of wall per decision); messages ${out.counters.messages} (${(out.counters.messages / Math.max(1, c.instances)).toFixed(1)} per instance)\n`);
  process.stdout.write(`outcomes: ${c.instances} instances, ${c.active} ACTIVE, ${c.no_valid_host} NoValidHost, ${c.error} errors, ${c.api_timeout + c.api_error} API failures, ${c.pending} pending, ${out.counters.reschedules} reschedules\n`);
  if (out.oracle) {
    process.stdout.write(`oracle: acceptance ${(out.oracle.acceptanceRate * 100).toFixed(3)} %; hierarchy ${(acc * 100).toFixed(3)} % = ${((acc / out.oracle.acceptanceRate) * 100).toFixed(2)} % of the oracle\n`);
  }
  const perBuild = w.runS / Math.max(1, c.instances);
  process.stdout.write(`extrapolated to 1,000,000 requests at this rate: ~${formatDuration(Math.round(perBuild * 1_000_000) * 1000)} wall for the run phase\n`);
}
clearInterval(rssTimer);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(`peak RSS: ${mib(peakRss)}\n`);
process.exit(0);
