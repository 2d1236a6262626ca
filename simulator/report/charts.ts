/**
 * The report's charts as Vega-Lite specs, rendered to SVG in Node (vega's headless View, no browser):
 * utilisation over time per region and per leaf cell, the build-latency distribution (log scale),
 * rejections over time, and the hierarchy against the oracle as a difference; every time chart
 * shades the fault windows. Series are thinned to a few hundred points so
 * the page stays light however long the run.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RunOutput } from '../engine.ts';
import { percentileSorted } from '../metrics/stats.ts';
import { latencyHistogram } from './csv.ts';

const WIDTH = 640;

/** A spec that can sit inside a concatenation (the `vconcat` items of a top-level spec). */
type SubSpec = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'][number];
/** One layer of a layered spec. */
type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Every k-th element so that at most `max` remain (the last one kept). */
function thin<T>(xs: readonly T[], max = 400): T[] {
  if (xs.length <= max) return [...xs];
  const k = Math.ceil(xs.length / max);
  const out = xs.filter((_, i) => i % k === 0);
  if (out[out.length - 1] !== xs[xs.length - 1]) out.push(xs[xs.length - 1]!);
  return out;
}

const hours = (s: number) => s / 3600;

function faultLayers(out: RunOutput): Layer[] {
  const end = out.simulatedMs / 3_600_000;
  const faults = out.scenario.faults.map((f) => ({ label: f.label, from: f.atMs / 3_600_000, to: f.untilMs === null ? end : f.untilMs / 3_600_000 }));
  if (faults.length === 0) return [];
  return [
    { data: { values: faults }, mark: { type: 'rect', opacity: 0.15, color: '#d62728' }, encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } } },
    { data: { values: faults }, mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] }, encoding: { x: { field: 'from', type: 'quantitative' } } },
    { data: { values: faults }, mark: { type: 'text', align: 'left', dx: 3, dy: -4, baseline: 'bottom', color: '#d62728', fontSize: 10 }, encoding: { x: { field: 'from', type: 'quantitative' }, y: { value: 12 }, text: { field: 'label' } } },
  ];
}

export function utilisationSpec(out: RunOutput): TopLevelSpec {
  const samples = thin(out.sampler.samples);
  const chart = (resource: 'ram' | 'vcpu' | 'disk', title: string): SubSpec => ({
    width: WIDTH, height: 110, title,
    layer: [
      ...faultLayers(out),
      {
        data: { values: samples.flatMap((s) => out.sampler.regions.map((r, i) => ({ hours: hours(s.t), region: r, utilisation: s.regions[i]![resource] }))) },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
          y: { field: 'utilisation', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: null },
          color: { field: 'region', type: 'nominal' },
        },
      },
    ],
  });
  return {
    title: 'Utilisation over time per region (share of the capacity of hosts that are up); faults shaded',
    vconcat: [chart('ram', 'RAM'), chart('vcpu', 'vCPU'), chart('disk', 'disk')],
  };
}

/** One small chart per leaf cell: RAM utilisation and the share of its hosts that are up. */
export function cellsSpec(out: RunOutput): TopLevelSpec {
  const samples = thin(out.sampler.samples, 200);
  const hostsOf = new Map<string, number>();
  for (const h of out.scenario.plan.hosts) hostsOf.set(h.cell, (hostsOf.get(h.cell) ?? 0) + 1);
  const siteOf = new Map(out.scenario.plan.cells.map((c) => [c.path, c.site?.description ?? c.site?.ref ?? '']));
  const cells = out.sampler.cells.slice(0, 24);
  const chart = (cell: string, i: number): SubSpec => ({
    width: 300, height: 90, title: { text: `${cell}${siteOf.get(cell) ? ` (${siteOf.get(cell)})` : ''}`, fontSize: 11 },
    layer: [
      ...faultLayers(out),
      {
        data: { values: samples.flatMap((s) => [
          { hours: hours(s.t), series: 'RAM used', value: s.cells[i]!.ram },
          { hours: hours(s.t), series: 'hosts up', value: s.cells[i]!.hostsUp / Math.max(1, hostsOf.get(cell) ?? 1) },
        ]) },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'hours', type: 'quantitative', title: null },
          y: { field: 'value', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: null },
          color: { field: 'series', type: 'nominal', scale: { domain: ['RAM used', 'hosts up'], range: ['#4c78a8', '#54a24b'] }, title: null },
        },
      },
    ],
  });
  const rows: SubSpec[] = [];
  for (let i = 0; i < cells.length; i += 2) rows.push({ hconcat: cells.slice(i, i + 2).map((c, k) => chart(c, i + k)) });
  return { title: 'Per leaf cell: RAM utilisation and hosts up (share); faults shaded', vconcat: rows };
}

/** Log-spaced bins from the fastest to the slowest build, so the bulk and the tail both show. */
export function logLatencyBins(sortedMs: Float64Array, n = 40): { fromS: number; toS: number; count: number }[] {
  if (sortedMs.length === 0) return [];
  const lo = Math.max(1, sortedMs[0]!);
  const hi = Math.max(lo * 1.01, sortedMs[sortedMs.length - 1]!);
  const step = Math.log(hi / lo) / n;
  const bins = Array.from({ length: n }, (_, i) => ({ fromS: (lo * Math.exp(i * step)) / 1000, toS: (lo * Math.exp((i + 1) * step)) / 1000, count: 0 }));
  for (const x of sortedMs) bins[Math.min(n - 1, Math.max(0, Math.floor(Math.log(Math.max(lo, x) / lo) / step)))]!.count++;
  return bins;
}

const sec = (s: number) => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));

export function latencySpec(out: RunOutput): TopLevelSpec {
  const lat = out.latenciesMs;
  const bins = logLatencyBins(lat);
  // Labels on rows of their own (p50 top, p99 bottom), so close percentiles never overlap.
  const marks = [50, 95, 99].map((p, i) => ({ p: `p${p} ${sec(percentileSorted(lat, p) / 1000)} s`, s: percentileSorted(lat, p) / 1000, row: i * 14 }))
    .filter((m) => Number.isFinite(m.s));
  const max = lat.length ? lat[lat.length - 1]! / 1000 : 0;
  const p99 = lat.length ? percentileSorted(lat, 99) : 0;
  const tail = lat.length ? lat.length - lat.findIndex((x) => x > p99) : 0;
  return {
    title: {
      text: `Build latency: request to ACTIVE, simulated seconds (${lat.length} builds), log scale`,
      subtitle: lat.length ? `slowest ${sec(max)} s; ${lat.findIndex((x) => x > p99) < 0 ? 0 : tail} builds slower than p99` : 'no builds',
    },
    width: WIDTH, height: 220,
    layer: [
      { data: { values: bins }, mark: { type: 'bar', color: '#4c78a8' }, encoding: {
        x: { field: 'fromS', type: 'quantitative', bin: 'binned', title: 'seconds (log scale)', scale: { type: 'log' } },
        x2: { field: 'toS' }, y: { field: 'count', type: 'quantitative', title: 'builds' } } },
      { data: { values: marks }, mark: { type: 'rule', color: '#e45756', strokeDash: [4, 2] }, encoding: { x: { field: 's', type: 'quantitative', scale: { type: 'log' } } } },
      { data: { values: marks }, mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', color: '#b8322f', fontWeight: 'bold' }, encoding: {
        x: { field: 's', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'row', type: 'quantitative', scale: null }, text: { field: 'p' } } },
    ],
  };
}

export function rejectionsSpec(out: RunOutput): TopLevelSpec {
  const b = out.buckets;
  const step = out.scenario.sampleMs / 3_600_000;
  const n = Math.max(b.arrivals.length, b.rejectedAt.length);
  const rows = thin(Array.from({ length: n }, (_, i) => {
    const a = b.arrivals[i] ?? 0;
    return { from: i * step, to: (i + 1) * step, rejected: b.rejectedAt[i] ?? 0, rate: a > 0 ? (b.rejectedByArrival[i] ?? 0) / a : null };
  }));
  return {
    title: 'Rejections over time (NoValidHost and other errors, by when they happened); faults shaded',
    width: WIDTH, height: 200,
    layer: [
      { data: { values: rows }, mark: { type: 'bar', color: '#f58518' }, encoding: { x: { field: 'from', type: 'quantitative', bin: 'binned', title: 'simulated hours' }, x2: { field: 'to' }, y: { field: 'rejected', type: 'quantitative', title: 'instances rejected' } } },
      ...faultLayers(out),
    ],
  };
}

/** Rejection rate per bucket by the zone requests asked for: a lost site shows in its own zone's line. */
export function zoneRejectionsSpec(out: RunOutput): TopLevelSpec | null {
  if (out.zones.size < 2) return null;
  const step = out.scenario.sampleMs / 3_600_000;
  const rows = [...out.zones].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([zone, z]) => z.arrivals.map((a, i) => ({
    hours: i * step, zone, rate: a > 0 ? (z.rejected[i] ?? 0) / a : null,
  })).filter((r) => r.rate !== null));
  return {
    title: { text: 'Rejection rate by the availability zone requests asked for; faults shaded', subtitle: 'share of the servers that arrived in each bucket and were rejected' },
    width: WIDTH, height: 200,
    layer: [
      ...faultLayers(out),
      { data: { values: rows }, mark: { type: 'line', interpolate: 'step-after', point: { size: 12 } }, encoding: {
        x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
        y: { field: 'rate', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: 'rejected' },
        color: { field: 'zone', type: 'nominal', title: 'zone asked for' } } },
    ],
  };
}

export function oracleSpec(out: RunOutput): TopLevelSpec | null {
  const o = out.oracle;
  if (!o) return null;
  const acceptance = out.counts.instances > 0 ? out.counts.active / out.counts.instances : 1;
  const gap = (acceptance - o.acceptanceRate) * 100;
  const lines = thin(out.sampler.samples.map((s, i) => ({
    hours: hours(s.t), diff: o.samples[i] ? (s.overall.ram - o.samples[i]!.overall.ram) * 100 : null,
  })), 800);
  return {
    title: {
      text: 'Hierarchy vs. oracle (flat omniscient best fit over all hosts)',
      subtitle: `acceptance: hierarchy ${(acceptance * 100).toFixed(1)} %, oracle ${(o.acceptanceRate * 100).toFixed(1)} % (${gap >= 0 ? '+' : ''}${gap.toFixed(1)} points); below: RAM utilisation difference over time`,
    },
    width: WIDTH, height: 160,
    layer: [
      ...faultLayers(out),
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: lines }, mark: { type: 'line', interpolate: 'step-after', color: '#4c78a8' }, encoding: {
        x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
        y: { field: 'diff', type: 'quantitative', title: 'RAM used, hierarchy − oracle (points)' } } },
    ],
  };
}

export function fragmentationSpec(out: RunOutput): TopLevelSpec {
  const rows = thin(out.sampler.samples).map((s) => ({ hours: hours(s.t), fragmentation: s.fragmentation }));
  return {
    title: 'Fragmentation: share of free RAM on hosts where no flavor of the mix fits; faults shaded',
    width: WIDTH, height: 120,
    layer: [
      ...faultLayers(out),
      { data: { values: rows }, mark: { type: 'line', interpolate: 'step-after' }, encoding: {
        x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
        y: { field: 'fragmentation', type: 'quantitative', axis: { format: '.0%' }, scale: { domainMin: 0 }, title: null } } },
    ],
  };
}

/** Vega-Lite → Vega → SVG text, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
