/**
 * results.json: the deterministic summary of a run, with a manifest (seed, scenario hash and overrides,
 * versions) so a result can be traced to exactly what produced it. Wall-clock figures are not here
 * (they go to wall.json): the same scenario and seed must give the same bytes.
 */
import { readFileSync } from 'node:fs';
import * as vega from 'vega';
import { version as vegaLiteVersion } from 'vega-lite';
import { z } from 'zod';
import type { RunOutput } from '../engine.ts';
import type { Sample, Util } from '../metrics/sampler.ts';
import { mean, percentileSorted } from '../metrics/stats.ts';
import { round } from '../units.ts';

export const RESULTS_FORMAT = 'novacell-sim-results/1';

function novacellVersion(): string {
  try {
    return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))).version;
  } catch {
    return 'unknown';
  }
}

const r6 = (x: number): number | null => (Number.isFinite(x) ? round(x, 6) : null);
const util = (u: Util) => ({ vcpu: r6(u.vcpu), ram: r6(u.ram), disk: r6(u.disk) });

function meanUtil(samples: readonly Sample[], pick: (s: Sample) => Util | undefined): Util {
  const xs = samples.map(pick).filter((u): u is Util => !!u);
  return { vcpu: mean(xs.map((u) => u.vcpu)), ram: mean(xs.map((u) => u.ram)), disk: mean(xs.map((u) => u.disk)) };
}

function peakUtil(samples: readonly Sample[]): Util {
  return {
    vcpu: Math.max(0, ...samples.map((s) => s.overall.vcpu)),
    ram: Math.max(0, ...samples.map((s) => s.overall.ram)),
    disk: Math.max(0, ...samples.map((s) => s.overall.disk)),
  };
}

export function buildResults(out: RunOutput, files: string[] = []) {
  const s = out.scenario;
  const c = out.counts;
  const samples = out.sampler.samples;
  const lat = out.latenciesMs;
  const decided = c.instances - c.pending;
  const acceptance = c.instances > 0 ? c.active / c.instances : 1;
  const rejected = c.no_valid_host + c.error + c.api_timeout + c.api_error;
  const o = out.oracle;
  const oracleUtil = o ? meanUtil(o.samples, (x) => x.overall) : null;
  const hierUtil = meanUtil(samples, (x) => x.overall);
  return {
    manifest: {
      format: RESULTS_FORMAT,
      scenario: { name: s.name, file: s.source.file, hash: s.source.hash, overrides: s.source.overrides },
      seed: out.seed,
      target: s.target,
      versions: { novacell: novacellVersion(), node: process.version, vega: vega.version, 'vega-lite': vegaLiteVersion },
      topology: {
        name: s.plan.name,
        regions: new Set(s.plan.sites.map((x) => x.region)).size,
        sites: s.plan.sites.length,
        cells: s.plan.cells.length,
        leaf_cells: s.plan.cells.filter((x) => x.isLeaf).length,
        hosts: s.plan.hosts.length,
      },
    },
    run: {
      duration_s: s.durationMs / 1000,
      drain_s: s.drainMs / 1000,
      simulated_s: r6(out.simulatedMs / 1000),
      sample_interval_s: s.sampleMs / 1000,
      database: s.database,
    },
    requests: {
      requests: c.requests,
      instances: c.instances,
      active: c.active,
      no_valid_host: c.no_valid_host,
      other_errors: c.error,
      api_timeouts: c.api_timeout,
      api_errors: c.api_error,
      deleted_while_building: c.deleted_while_building,
      pending_at_end: c.pending,
      orphans: c.orphans,
      rejected,
      acceptance_rate: r6(acceptance),
      rejection_rate: r6(decided > 0 ? rejected / decided : 0),
    },
    reschedules: out.counters.reschedules,
    build_latency_s: {
      count: lat.length,
      p50: r6(percentileSorted(lat, 50) / 1000),
      p95: r6(percentileSorted(lat, 95) / 1000),
      p99: r6(percentileSorted(lat, 99) / 1000),
      mean: r6(mean(lat) / 1000),
      max: r6((lat[lat.length - 1] ?? NaN) / 1000),
    },
    messages: { total: out.counters.messages, per_requested_instance: r6(c.instances > 0 ? out.counters.messages / c.instances : 0) },
    utilisation: {
      mean: util(hierUtil),
      peak: util(peakUtil(samples)),
      final: util(samples[samples.length - 1]?.overall ?? { vcpu: 0, ram: 0, disk: 0 }),
      by_region: Object.fromEntries(out.sampler.regions.map((r, i) => [r, { mean: util(meanUtil(samples, (x) => x.regions[i])) }])),
      by_cell: Object.fromEntries(out.sampler.cells.map((cell, i) => [cell, { mean: util(meanUtil(samples, (x) => x.cells[i])) }])),
    },
    headroom: headroomOf(out),
    fragmentation: {
      mean: r6(mean(samples.map((x) => x.fragmentation))),
      final: r6(samples[samples.length - 1]?.fragmentation ?? 0),
    },
    faults: out.faults.map((f) => ({
      label: f.label, kind: f.kind, at_s: f.atS, until_s: f.untilS,
      baseline_rejection_rate: r6(f.baselineRejectionRate), peak_rejection_rate: r6(f.peakRejectionRate),
      hurt: f.hurt, time_to_recover_s: f.timeToRecoverS === null ? null : r6(f.timeToRecoverS),
      time_to_recover_from_start_s: f.recoveredAtS === null ? null : r6(f.recoveredAtS - f.atS),
      recovered_at_s: f.recoveredAtS === null ? null : r6(f.recoveredAtS),
    })),
    oracle: o
      ? {
          placement: 'flat omniscient best fit (least free RAM that fits) over all hosts',
          accepted: o.accepted,
          rejected: o.rejected,
          acceptance_rate: r6(o.acceptanceRate),
          utilisation_mean: util(oracleUtil!),
          hierarchy_vs_oracle: {
            acceptance_ratio: r6(o.acceptanceRate > 0 ? acceptance / o.acceptanceRate : 1),
            acceptance_gap: r6(o.acceptanceRate - acceptance),
            ram_utilisation_gap: r6(oracleUtil!.ram - hierUtil.ram),
          },
        }
      : null,
    files,
  };
}

/**
 * Per leaf cell and flavor: how many more servers of that flavor alone would fit on its hosts that
 * are up — at the end of the run and at its worst sample (with when that was).
 */
function headroomOf(out: RunOutput) {
  const samples = out.sampler.samples;
  const last = samples[samples.length - 1];
  return Object.fromEntries(out.sampler.cells.map((cell, i) => [cell, Object.fromEntries(out.sampler.flavors.map((f, k) => {
    let worst = Infinity;
    let worstAt = 0;
    for (const s of samples) {
      const v = s.headroom[i]?.[k] ?? 0;
      if (v < worst) [worst, worstAt] = [v, s.t];
    }
    return [f, { end: last?.headroom[i]?.[k] ?? 0, worst: Number.isFinite(worst) ? worst : 0, worst_at_s: worstAt }];
  }))]));
}

export type SimResults = ReturnType<typeof buildResults>;

/** Stable text: two-space indent, newline at the end. */
export function resultsJson(results: SimResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
