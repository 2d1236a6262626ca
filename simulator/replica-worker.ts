/**
 * One simulation run in a worker thread (`novacell sim` runs every run in one: see cli/sim.ts). A run
 * waits for its own clock's work port to be idle between timers, and its actors and databases share the
 * thread's event loop, so runs in parallel (`--workers W`) each get a thread of their own; and the
 * thread's heap is sized for a simulation (sim-thread.ts). It loads the scenario, runs one seed, writes
 * that seed's folder and posts back the results the summary needs, with progress on the way when asked.
 * Same seed, same bytes as a run in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { runSimulation, type Progress } from './engine.ts';
import { writeRunOutputs } from './report/write.ts';
import { loadScenario } from './scenario/index.ts';
import type { SimResults } from './report/results.ts';

const replicaJob = z.object({
  file: z.string(), set: z.array(z.string()), seed: z.string(), dir: z.string(), machine: z.string(),
  progress: z.boolean().optional(),
});
export type ReplicaJob = z.infer<typeof replicaJob>;

export interface ReplicaDone {
  seed: string;
  dir: string;
  results: SimResults;
  decisionsPerWallS: number;
}

/** What the thread posts: progress while it runs (when the job asked), then its results. */
export type ReplicaMessage = { kind: 'progress'; progress: Progress } | { kind: 'done'; done: ReplicaDone };

const port = parentPort!;
const job = replicaJob.parse(workerData);
const scenario = loadScenario(job.file, { set: job.set });
const onProgress = job.progress ? (progress: Progress) => port.postMessage({ kind: 'progress', progress } satisfies ReplicaMessage) : undefined;
const out = await runSimulation({ scenario, seed: job.seed, wallClock: () => performance.now(), onProgress });
const written = await writeRunOutputs(out, job.dir, { machine: job.machine });
const done: ReplicaDone = { seed: job.seed, dir: job.dir, results: written.results, decisionsPerWallS: out.wall.decisionsPerWallS };
port.postMessage({ kind: 'done', done } satisfies ReplicaMessage);
