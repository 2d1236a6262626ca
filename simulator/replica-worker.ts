/**
 * One replication in a worker thread (`novacell sim --replications N --workers W`). A run waits for its
 * own clock's work port to be idle between timers, and its actors and databases share the thread's event
 * loop, so runs in parallel each get a thread of their own. It loads the scenario, runs one seed, writes that seed's folder and
 * posts back the results the summary needs. Same seed, same bytes as a run in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { runSimulation } from './engine.ts';
import { writeRunOutputs } from './report/write.ts';
import { loadScenario } from './scenario/index.ts';
import type { SimResults } from './report/results.ts';

const replicaJob = z.object({ file: z.string(), set: z.array(z.string()), seed: z.string(), dir: z.string(), machine: z.string() });
export type ReplicaJob = z.infer<typeof replicaJob>;

export interface ReplicaDone {
  seed: string;
  dir: string;
  results: SimResults;
  decisionsPerWallS: number;
}

const job = replicaJob.parse(workerData);
const scenario = loadScenario(job.file, { set: job.set });
const out = await runSimulation({ scenario, seed: job.seed, wallClock: () => performance.now() });
const written = await writeRunOutputs(out, job.dir, { machine: job.machine });
const done: ReplicaDone = { seed: job.seed, dir: job.dir, results: written.results, decisionsPerWallS: out.wall.decisionsPerWallS };
parentPort!.postMessage(done);
