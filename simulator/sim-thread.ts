/**
 * A thread for a simulation run: tsx's loader registered (a worker does not inherit it) and a heap sized
 * for a simulation. `novacell sim` runs every run in one (simulator/replica-worker.ts), and so does
 * bench/sim-scale.ts, so the bench measures what the command does.
 */
import { Worker } from 'node:worker_threads';

/**
 * The young generation of a simulation's thread, in MB (V8 gives each of its two semi-spaces a third).
 * A simulated build's messages, promises and records live for tens to hundreds of milliseconds of wall
 * time — far longer than a request in a server — so with Node's default (16 MB semi-spaces) much of it
 * is promoted after two scavenges, to die in the old generation, and each scavenge costs more the larger
 * the heap. 64 MB semi-spaces give them time to die young: at the full topology a quarter of the
 * scavenges, 8.7 % less run time over the first 60,000 requests and 4.6 % over the whole day
 * (docs/benchmarks.md, "A young generation sized for the simulator").
 * A `--max-semi-space-size` given to node wins over this; the old generation's limit is node's
 * (`--max-old-space-size`).
 */
export const SIM_YOUNG_GENERATION_MB = 192;

/** Start the TypeScript module `entry` in a simulation thread; `argv` becomes its process.argv.slice(2). */
export function simThread(entry: URL, o: { workerData?: unknown; argv?: string[] } = {}): Worker {
  const boot = `import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(boot, {
    eval: true, workerData: o.workerData, argv: o.argv, resourceLimits: { maxYoungGenerationSizeMb: SIM_YOUNG_GENERATION_MB },
  });
}
