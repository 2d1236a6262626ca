/**
 * Several replications of one scenario (seeds s, s+1, …): each run keeps its own folder, and a summary
 * gives, per metric, the mean across runs with a 95% Student-t confidence interval.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confidence95, type Interval } from '../metrics/stats.ts';
import { round } from '../units.ts';
import { csv } from './csv.ts';
import type { SimResults } from './results.ts';

/** Metrics summarised across replications, read from each run's results. */
export const REPLICATED_METRICS: Record<string, (r: SimResults) => number | null> = {
  acceptance_rate: (r) => r.requests.acceptance_rate,
  no_valid_host: (r) => r.requests.no_valid_host,
  rejection_rate: (r) => r.requests.rejection_rate,
  reschedules: (r) => r.reschedules,
  build_latency_p50_s: (r) => r.build_latency_s.p50,
  build_latency_p95_s: (r) => r.build_latency_s.p95,
  build_latency_p99_s: (r) => r.build_latency_s.p99,
  messages_per_requested_instance: (r) => r.messages.per_requested_instance,
  mean_util_ram: (r) => r.utilisation.mean.ram,
  mean_util_vcpu: (r) => r.utilisation.mean.vcpu,
  mean_fragmentation: (r) => r.fragmentation.mean,
  oracle_acceptance_rate: (r) => r.oracle?.acceptance_rate ?? null,
  hierarchy_vs_oracle_acceptance: (r) => r.oracle?.hierarchy_vs_oracle.acceptance_ratio ?? null,
};

/** Seeds of the replications: numbers count up, other seeds get a suffix. */
export function replicationSeeds(seed: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => (/^-?\d+$/.test(seed) ? String(BigInt(seed) + BigInt(i)) : i === 0 ? seed : `${seed}-${i}`));
}

export function summariseReplications(runs: { seed: string; results: SimResults }[]) {
  const metrics: Record<string, Interval & { values: (number | null)[] }> = {};
  for (const [name, pick] of Object.entries(REPLICATED_METRICS)) {
    const values = runs.map((r) => pick(r.results));
    const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
    const ci = confidence95(xs);
    metrics[name] = { mean: round(ci.mean), ci95: round(ci.ci95), sd: round(ci.sd), n: ci.n, values };
  }
  const first = runs[0]?.results.manifest;
  return {
    manifest: first ? { ...first, seed: undefined, seeds: runs.map((r) => r.seed) } : null,
    replications: runs.length,
    confidence: '95% Student-t interval of the mean: mean ± ci95',
    metrics,
  };
}

export function writeReplicationSummary(dir: string, runs: { seed: string; results: SimResults }[]): ReturnType<typeof summariseReplications> {
  mkdirSync(dir, { recursive: true });
  const summary = summariseReplications(runs);
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'replications.csv'), csv(['metric', 'mean', 'ci95', 'sd', 'n', ...runs.map((r) => `seed_${r.seed}`)],
    Object.entries(summary.metrics).map(([k, m]) => [k, m.mean, m.ci95, m.sd, m.n, ...m.values])));
  return summary;
}
