/**
 * CSV time series of a run: utilisation samples (overall, per region, per cell, per host), outcome counts
 * per time bucket, the build-latency histogram and the fault table. Plain RFC 4180 with a header line,
 * numbers rounded to six decimals, so spreadsheets and pandas read them as they are.
 */
import type { RunOutput } from '../engine.ts';
import { round } from '../units.ts';

type Cell = string | number | boolean | null;

function field(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(round(v, 6)) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const lines = [header.join(',')];
  for (const r of rows) lines.push(r.map(field).join(','));
  return `${lines.join('\n')}\n`;
}

/** Latency histogram: about 40 bins of equal width from 0 to the 99.9th percentile, plus an overflow bin. */
export function latencyHistogram(sortedMs: Float64Array): { fromS: number; toS: number; count: number }[] {
  if (sortedMs.length === 0) return [];
  const top = sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * 0.999))]!;
  const width = Math.max(1, top / 40);
  const bins: { fromS: number; toS: number; count: number }[] = [];
  for (let i = 0; i < 40; i++) bins.push({ fromS: (i * width) / 1000, toS: ((i + 1) * width) / 1000, count: 0 });
  let over = 0;
  for (const x of sortedMs) {
    const b = Math.floor(x / width);
    if (b < 40) bins[b]!.count++;
    else over++;
  }
  if (over > 0) bins.push({ fromS: (40 * width) / 1000, toS: sortedMs[sortedMs.length - 1]! / 1000, count: over });
  return bins;
}

/** File name → content, for every CSV of a run. */
export function runCsvs(out: RunOutput): Record<string, string> {
  const samples = out.sampler.samples;
  const oracle = out.oracle?.samples ?? [];
  const files: Record<string, string> = {};
  files['timeseries.csv'] = csv(
    ['t_s', 'hosts_up', 'active_instances', 'util_vcpu', 'util_ram', 'util_disk', 'fragmentation', 'free_ram_mb', 'stranded_ram_mb', 'oracle_active_instances', 'oracle_util_vcpu', 'oracle_util_ram', 'oracle_util_disk'],
    samples.map((s, i) => {
      const o = oracle[i];
      return [s.t, s.hostsUp, s.activeInstances, s.overall.vcpu, s.overall.ram, s.overall.disk, s.fragmentation, s.freeRamMb, s.strandedRamMb,
        o?.activeInstances ?? null, o?.overall.vcpu ?? null, o?.overall.ram ?? null, o?.overall.disk ?? null];
    }),
  );
  const b = out.buckets;
  const n = Math.max(b.arrivals.length, b.rejectedAt.length, b.activeAt.length);
  const bucketS = out.scenario.sampleMs / 1000;
  files['buckets.csv'] = csv(
    ['from_s', 'to_s', 'arrivals', 'accepted_by_arrival', 'rejected_by_arrival', 'rejection_rate', 'rejected_at', 'active_at', 'oracle_rejected_by_arrival'],
    Array.from({ length: n }, (_, i) => {
      const a = b.arrivals[i] ?? 0;
      const rej = b.rejectedByArrival[i] ?? 0;
      return [i * bucketS, (i + 1) * bucketS, a, b.acceptedByArrival[i] ?? 0, rej, a > 0 ? rej / a : null, b.rejectedAt[i] ?? 0, b.activeAt[i] ?? 0,
        out.oracle ? (out.oracle.rejectedByArrival[i] ?? 0) : null];
    }),
  );
  files['regions.csv'] = csv(['t_s', 'region', 'util_vcpu', 'util_ram', 'util_disk'],
    samples.flatMap((s) => out.sampler.regions.map((r, i) => [s.t, r, s.regions[i]!.vcpu, s.regions[i]!.ram, s.regions[i]!.disk])));
  files['cells.csv'] = csv(['t_s', 'cell', 'hosts_up', 'util_vcpu', 'util_ram', 'util_disk'],
    samples.flatMap((s) => out.sampler.cells.map((c, i) => [s.t, c, s.cells[i]!.hostsUp, s.cells[i]!.vcpu, s.cells[i]!.ram, s.cells[i]!.disk])));
  const cellOf = new Map(out.scenario.plan.hosts.map((h) => [h.name, h.cell]));
  files['hosts-summary.csv'] = csv(['host', 'cell', 'mean_util_ram', 'peak_util_ram'],
    out.sampler.hostSummary().map((h) => [h.host, cellOf.get(h.host) ?? '', h.meanRam, h.peakRam]));
  const series = out.sampler.hostSeries;
  if (series) {
    files['hosts.csv'] = csv(['t_s', 'host', 'util_ram'],
      series.flatMap((row, k) => out.sampler.hostNames.map((h, i) => [samples[k]?.t ?? null, h, row[i]!])));
  }
  files['zones.csv'] = csv(['t_s', 'zone', 'arrivals', 'rejected'],
    [...out.zones].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([zone, z]) => z.arrivals.map((a, i) => [(i * out.scenario.sampleMs) / 1000, zone, a, z.rejected[i] ?? 0])));
  files['latency-histogram.csv'] = csv(['from_s', 'to_s', 'builds'], latencyHistogram(out.latenciesMs).map((x) => [x.fromS, x.toS, x.count]));
  files['faults.csv'] = csv(
    ['label', 'kind', 'at_s', 'until_s', 'baseline_rejection_rate', 'peak_rejection_rate', 'hurt', 'time_to_recover_s', 'time_to_recover_from_start_s'],
    out.faults.map((f) => [f.label, f.kind, f.atS, f.untilS, f.baselineRejectionRate, f.peakRejectionRate, f.hurt, f.timeToRecoverS, f.recoveredAtS === null ? null : f.recoveredAtS - f.atS]),
  );
  return files;
}
