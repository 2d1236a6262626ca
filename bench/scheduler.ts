/**
 * Host scheduler benchmark: single-instance select_destinations over 100 / 1,000 / 10,000 fake
 * compute nodes of mixed sizes (some in zoned aggregates), default filters and weighers. Instances
 * are deleted again once the cell is busy so the hosts stay in a steady, partly-full state. The
 * "nearly full" row fills 90 % of the hosts' RAM first, so the FitIndex can skip them. Every figure
 * is also given in reference passes (one plain loop over 1,000 objects, measured in the same run),
 * and the reference row runs ReferenceScheduler (plain filter-then-weigh) on the same cell.
 * Run: npx tsx bench/scheduler.ts [--hosts 100,1000,10000] [--no-full] [--no-reference]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { novaConfig } from '../runtime/config/index.ts';
import { SeededRng } from '../runtime/rng/index.ts';
import {
  FilterScheduler, HostManager, type FlavorSpec, type RequestSpec, type Selection,
} from '../actors/scheduler/index.ts';
import { ReferenceScheduler } from '../actors/scheduler/reference-scheduler.ts';
import { referencePassMicros } from './reference.ts';

const opts = new Command('scheduler')
  .description('select_destinations latency over fake cells, with a reference pass measured in the same run')
  .option('--hosts <list>', 'cell sizes, comma-separated', '100,1000,10000')
  .option('--no-full', 'skip the nearly-full 10,000-host cell')
  .option('--no-reference', 'skip ReferenceScheduler (plain filter-then-weigh) on 1,000 hosts')
  .parse()
  .opts<{ hosts: string; full: boolean; reference: boolean }>();

const FLAVORS: FlavorSpec[] = [
  { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  { id: '2', name: 'm1.small', vcpus: 1, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  { id: '3', name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 40, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  { id: '4', name: 'm1.large', vcpus: 4, memoryMb: 8192, rootGb: 80, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
];
const SIZES = [
  { vcpus: 16, memoryMb: 65536, localGb: 500 },
  { vcpus: 32, memoryMb: 131072, localGb: 1000 },
  { vcpus: 64, memoryMb: 262144, localGb: 2000 },
];

function buildCell(n: number, seed: string, full: boolean): HostManager {
  const config = novaConfig();
  const rng = new SeededRng(seed).stream('hosts');
  const hm = new HostManager(config);
  for (let i = 0; i < n; i++) {
    const host = `cmp${String(i).padStart(5, '0')}`;
    const size = SIZES[i % SIZES.length]!;
    hm.upsertComputeNode({ host, nodename: host, uuid: rng.uuid4(), ...size, hypervisorType: 'QEMU',
      supportedInstances: [['x86_64', 'qemu', 'hvm']] });
    if (i % 4 === 0) {
      hm.setAggregates(host, [{ id: 1 + (i % 3), name: `az${i % 3}-agg`, availabilityZone: `az${i % 3}`,
        metadata: { availability_zone: `az${i % 3}`, ssd: i % 8 === 0 ? 'true' : 'false' } }]);
    }
    if (i % 50 === 7) hm.setServiceState(host, { up: false, disabled: false });
    if (i % 97 === 3) hm.recordBuildFailure(host);
  }
  if (full) {
    // 9 hosts in 10 keep ~300 MB of room (below every flavor): only the tenth can take a build.
    for (const [i, h] of hm.hosts().entries()) {
      if (i % 10 === 0) continue;
      const used = h.memoryMb * h.ramAllocationRatio - h.reservedHostMemoryMb - 300;
      hm.setUsage(h.uuid, { vcpus: 0, memoryMb: used, diskGb: 0, numInstances: 0 });
    }
  }
  return hm;
}

function request(uuid: string, flavor: FlavorSpec): RequestSpec {
  return {
    instanceUuids: [uuid], numInstances: 1, projectId: 'p', userId: 'u', flavor,
    image: { id: 'img', properties: {} }, availabilityZone: null, schedulerHints: {}, instanceGroup: null,
    ignoreHosts: [], forceHosts: [], forceNodes: [], retry: { numAttempts: 1, hosts: [] },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function run(nHosts: number, kind: 'fast' | 'reference' | 'full'): number {
  const config = novaConfig();
  const hm = buildCell(nHosts, `bench-${nHosts}`, kind === 'full');
  const rng = new SeededRng(`bench-${nHosts}`);
  const fast = new FilterScheduler(config, rng.stream('scheduler'));
  const plain = new ReferenceScheduler(config, rng.stream('scheduler'));
  const scheduler = kind === 'reference'
    ? { selectDestinations: (spec: RequestSpec) => plain.selectDestinations(spec, hm.hosts()) }
    : { selectDestinations: (spec: RequestSpec) => fast.selectDestinations(spec, hm) };
  const pick = rng.stream('workload');
  const live: Array<{ sel: Selection; flavor: FlavorSpec }> = [];
  const steady = kind === 'full' ? nHosts / 10 : nHosts * 8;
  const rounds = kind === 'reference' ? 1 : 5;
  const perRound = kind === 'reference' ? 500 : nHosts >= 10_000 ? 1_000 : 5_000;
  const samples: number[] = [];
  const decide = (record: boolean): void => {
    const flavor = FLAVORS[pick.int(FLAVORS.length)]!;
    const spec = request(pick.uuid4(), flavor);
    const t0 = performance.now();
    const [sel] = scheduler.selectDestinations(spec);
    const dt = performance.now() - t0;
    if (record) samples.push(dt * 1000);
    live.push({ sel: sel![0]!, flavor });
    if (live.length > steady) {
      const gone = live.splice(pick.int(live.length), 1)[0]!;
      const h = hm.get(gone.sel.uuid)!;
      hm.setUsage(h.uuid, { vcpus: h.vcpusUsed - gone.flavor.vcpus, memoryMb: h.memoryMbUsed - gone.flavor.memoryMb,
        diskGb: h.localGbUsed - gone.flavor.rootGb - gone.flavor.ephemeralGb, numInstances: h.numInstances });
      hm.removeInstance(gone.sel.host, gone.sel.instanceUuid);
    }
  };
  for (let i = 0; i < Math.max(steady, kind === 'reference' ? 200 : 2_000); i++) decide(false);
  for (let r = 0; r < rounds; r++) for (let i = 0; i < perRound; i++) decide(true);
  // The reference right after the row; with the one right before, the smaller is the machine's
  // unpreempted speed (a median over 200 short rounds, like the decisions' median).
  const ref = Math.min(lastRef, (lastRef = referencePassMicros()));
  samples.sort((a, b) => a - b);
  const median = percentile(samples, 0.5);
  const p95 = percentile(samples, 0.95);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const label = kind === 'full' ? ' (nearly full)' : kind === 'reference' ? ' (ReferenceScheduler)' : '';
  console.log(`${String(nHosts).padStart(6)} hosts${label}  median ${median.toFixed(1).padStart(7)} µs ` +
    `= ${(median / ref).toFixed(1)} reference passes (${ref.toFixed(2)} µs)  p95 ${p95.toFixed(1).padStart(7)} µs  ` +
    `${Math.round(1e6 / mean).toLocaleString('en-US')} decisions/s  (${samples.length} decisions, ${live.length} instances live)`);
  return median;
}

const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`scheduler bench: ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, node ${process.version}, ` +
  `${os.platform()} ${os.arch()}, load average ${load}`);
let lastRef = referencePassMicros();
console.log(`reference: one pass over 1,000 objects (3 fields each) takes ${lastRef.toFixed(2)} µs here ` +
  '(measured again after each row; each row divides by the smaller of the two around it)');
console.log('filters: default enabled_filters; weighers: RAM, CPU, Disk, BuildFailure; host_subset_size 1');
for (const n of opts.hosts.split(',').map(Number)) run(n, 'fast');
if (opts.full) run(10_000, 'full');
if (opts.reference) run(1_000, 'reference');
