/**
 * `novacell sim scenario.yaml [--seed N] [--out DIR] [--set k=v]... [--replications N [--workers W]]`: run a scenario
 * on the simulator and write results.json, CSV time series and report.html (one folder per seed when
 * replicating, with a summary of means and confidence intervals). A progress bar goes to stderr on a
 * terminal; the summary to stdout. Wall-clock time is read here, never inside the simulator. With
 * `--workers W`, replications run W at a time in worker threads (simulator/replica-worker.ts).
 */
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { runSimulation, type Progress } from '../simulator/engine.ts';
import { loadScenario } from '../simulator/scenario/index.ts';
import { replicationSeeds, writeReplicationSummary } from '../simulator/report/replications.ts';
import { writeRunOutputs } from '../simulator/report/write.ts';
import { formatDuration } from '../simulator/units.ts';
import type { ReplicaDone, ReplicaJob } from '../simulator/replica-worker.ts';
import type { SimResults } from '../simulator/report/results.ts';

/** One decimal for people (null stays a dash). */
const r1 = (x: number | null): string => (x === null ? '—' : x.toFixed(1));

export interface SimOptions {
  seed?: string;
  out?: string;
  set: string[];
  replications: number;
  /** Replications run at once, each in its own worker thread (default 1: one after another, here). */
  workers?: number;
  progress: boolean;
}

const wallClock = (): number => performance.now();

/** The machine, recorded in wall.json next to the wall-clock figures. */
const machine = (): string => `${os.cpus()[0]?.model ?? 'cpu?'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()}`;

function progressBar(enabled: boolean, label: string) {
  if (!enabled || !process.stderr.isTTY) return { update: (_: Progress) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${label} {bar} {percentage}% | {sim} simulated | {requests} requests | {phase}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0, { sim: '0s', requests: 0, phase: 'start' });
  return {
    update: (p: Progress) => {
      const frac = p.phase === 'done' || p.phase === 'oracle' ? 1 : Math.min(1, p.simMs / p.totalMs);
      bar.update(Math.round(frac * 1000), { sim: formatDuration(Math.round(p.simMs / 1000) * 1000), requests: p.requests, phase: p.phase });
    },
    stop: () => bar.stop(),
  };
}

/** The line printed for each run. */
function runLine(s: string, r: SimResults, decisionsPerWallS: number, dir: string): string {
  return (
    `seed ${s}: ${r.requests.instances} instances requested, ${r.requests.active} ACTIVE (${(r.requests.acceptance_rate! * 100).toFixed(2)} %), ` +
    `${r.requests.no_valid_host} NoValidHost, ${r.reschedules} reschedules; build p50/p95/p99 ${r1(r.build_latency_s.p50)}/${r1(r.build_latency_s.p95)}/${r1(r.build_latency_s.p99)} s` +
    (r.oracle ? `; oracle ${(r.oracle.acceptance_rate! * 100).toFixed(2)} % (hierarchy/oracle ${(r.oracle.hierarchy_vs_oracle.acceptance_ratio! * 100).toFixed(2)} %)` : '') +
    `; ${decisionsPerWallS.toFixed(0)} decisions per wall second → ${dir}/report.html\n`
  );
}

/** Run the seeds `workers` at a time, each in a worker thread; results come back in seed order. */
async function inWorkers(file: string, set: string[], seeds: string[], out: string, workers: number): Promise<ReplicaDone[]> {
  const done: ReplicaDone[] = new Array(seeds.length);
  let next = 0;
  const one = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const job: ReplicaJob = { file, set, seed: seeds[i]!, dir: join(out, `seed-${seeds[i]}`), machine: machine() };
      // A worker does not inherit tsx's loader: register it there before importing the TypeScript module.
      const entry = new URL('../simulator/replica-worker.ts', import.meta.url).href;
      const boot = `import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(entry)}))`;
      const w = new Worker(boot, { eval: true, workerData: job });
      w.once('message', (m: ReplicaDone) => (done[i] = m));
      w.once('error', reject);
      w.once('exit', (code) => (done[i] ? resolve() : reject(new Error(`replication of seed ${seeds[i]} ended (exit ${code}) without results`))));
    });
  const lane = async (): Promise<void> => {
    while (next < seeds.length) {
      const i = next++;
      await one(i);
      process.stdout.write(runLine(done[i]!.seed, done[i]!.results, done[i]!.decisionsPerWallS, done[i]!.dir));
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, seeds.length) }, lane));
  return done;
}

export async function sim(file: string, o: SimOptions): Promise<void> {
  const scenario = loadScenario(file, { set: o.set });
  const seed = o.seed ?? scenario.seed;
  const out = o.out ?? join('results', scenario.name);
  const n = Math.max(1, o.replications);
  const seeds = replicationSeeds(seed, n);
  const workers = Math.max(1, o.workers ?? 1);
  if (n > 1 && workers > 1) {
    const done = await inWorkers(file, o.set, seeds, out, workers);
    const summary = writeReplicationSummary(out, done.map((d) => ({ seed: d.seed, results: d.results })));
    const a = summary.metrics.acceptance_rate!;
    process.stdout.write(`${n} replications (${workers} workers): acceptance rate ${(a.mean * 100).toFixed(2)} % ± ${(a.ci95 * 100).toFixed(2)} (95% CI) → ${out}/results.json\n`);
    return;
  }
  const runs = [];
  for (const s of seeds) {
    const bar = progressBar(o.progress, n > 1 ? `seed ${s}` : 'sim');
    let result;
    try {
      result = await runSimulation({ scenario, seed: s, wallClock, onProgress: bar.update });
    } finally {
      bar.stop();
    }
    const dir = n > 1 ? join(out, `seed-${s}`) : out;
    const written = await writeRunOutputs(result, dir, { machine: machine() });
    runs.push({ seed: s, results: written.results });
    process.stdout.write(runLine(s, written.results, result.wall.decisionsPerWallS, dir));
  }
  if (n > 1) {
    const summary = writeReplicationSummary(out, runs);
    const a = summary.metrics.acceptance_rate!;
    process.stdout.write(`${n} replications: acceptance rate ${(a.mean * 100).toFixed(2)} % ± ${(a.ci95 * 100).toFixed(2)} (95% CI) → ${out}/results.json\n`);
  }
}
