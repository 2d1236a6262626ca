/**
 * `novacell sim scenario.yaml [--seed N] [--out DIR] [--set k=v]... [--replications N [--workers W]]`: run a scenario
 * on the simulator and write results.json, CSV time series and report.html (one folder per seed when
 * replicating, with a summary of means and confidence intervals). A progress bar goes to stderr on a
 * terminal; the summary to stdout. Every run goes in a worker thread of its own (simulator/replica-worker.ts)
 * whose heap is sized for a simulation (simulator/sim-thread.ts); with `--workers W`, replications run
 * W at a time. Wall-clock time is read by the run's thread, never inside the simulator.
 */
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import os from 'node:os';
import type { Progress } from '../simulator/engine.ts';
import { loadScenario } from '../simulator/scenario/index.ts';
import { replicationSeeds, writeReplicationSummary } from '../simulator/report/replications.ts';
import { formatDuration } from '../simulator/units.ts';
import { simThread } from '../simulator/sim-thread.ts';
import type { ReplicaDone, ReplicaJob, ReplicaMessage } from '../simulator/replica-worker.ts';
import type { SimResults } from '../simulator/report/results.ts';

/** One decimal for people (null stays a dash). */
const r1 = (x: number | null): string => (x === null ? '—' : x.toFixed(1));

export interface SimOptions {
  seed?: string;
  out?: string;
  set: string[];
  replications: number;
  /** Replications run at once, each in its own worker thread (default 1: one after another). */
  workers?: number;
  progress: boolean;
}

/** The machine, recorded in wall.json next to the wall-clock figures. */
const machine = (): string => `${os.cpus()[0]?.model ?? 'cpu?'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()}`;

/** A bar on stderr when enabled and stderr is a terminal; otherwise no `update` (nothing to draw). */
function progressBar(enabled: boolean, label: string): { update?: (p: Progress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { stop: () => undefined };
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

/** One run in a worker thread of its own; `onProgress` gets the engine's progress. */
function runInThread(job: ReplicaJob, onProgress?: (p: Progress) => void): Promise<ReplicaDone> {
  return new Promise((resolve, reject) => {
    const w = simThread(new URL('../simulator/replica-worker.ts', import.meta.url), { workerData: { ...job, progress: onProgress !== undefined } });
    let done: ReplicaDone | undefined;
    w.on('message', (m: ReplicaMessage) => {
      if (m.kind === 'progress') onProgress?.(m.progress);
      else done = m.done;
    });
    w.once('error', reject);
    w.once('exit', (code) => (done ? resolve(done) : reject(new Error(`simulation of seed ${job.seed} ended (exit ${code}) without results`))));
  });
}

/** Run the seeds `workers` at a time, each in its own thread; results come back in seed order. */
async function inThreads(file: string, set: string[], seeds: string[], out: string, workers: number, progress: boolean): Promise<ReplicaDone[]> {
  const done: ReplicaDone[] = new Array(seeds.length);
  const replicating = seeds.length > 1;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < seeds.length) {
      const i = next++;
      const s = seeds[i]!;
      // A bar only when runs go one at a time (several would overwrite each other).
      const bar = progressBar(progress && workers === 1, replicating ? `seed ${s}` : 'sim');
      try {
        const job = { file, set, seed: s, dir: replicating ? join(out, `seed-${s}`) : out, machine: machine() };
        done[i] = await runInThread(job, bar.update);
      } finally {
        bar.stop();
      }
      process.stdout.write(runLine(s, done[i]!.results, done[i]!.decisionsPerWallS, done[i]!.dir));
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
  const done = await inThreads(file, o.set, seeds, out, workers, o.progress);
  if (n > 1) {
    const summary = writeReplicationSummary(out, done.map((d) => ({ seed: d.seed, results: d.results })));
    const a = summary.metrics.acceptance_rate!;
    process.stdout.write(
      `${n} replications${workers > 1 ? ` (${workers} workers)` : ''}: acceptance rate ${(a.mean * 100).toFixed(2)} % ± ${(a.ci95 * 100).toFixed(2)} (95% CI) → ${out}/results.json\n`,
    );
  }
}
