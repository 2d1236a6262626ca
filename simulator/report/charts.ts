/**
 * The report's charts as Vega-Lite specs, rendered to SVG in Node (vega's headless View, no browser):
 * utilisation over time per region, the build-latency distribution, rejections over time with the
 * faults marked, and the hierarchy against the oracle. Series are thinned to a few hundred points so
 * the page stays light however long the run.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RunOutput } from '../engine.ts';
import { percentileSorted } from '../metrics/stats.ts';
import { latencyHistogram } from './csv.ts';

const WIDTH = 640;

/** Every k-th element so that at most `max` remain (the last one kept). */
function thin<T>(xs: readonly T[], max = 400): T[] {
  if (xs.length <= max) return [...xs];
  const k = Math.ceil(xs.length / max);
  const out = xs.filter((_, i) => i % k === 0);
  if (out[out.length - 1] !== xs[xs.length - 1]) out.push(xs[xs.length - 1]!);
  return out;
}

const hours = (s: number) => s / 3600;

function faultLayers(out: RunOutput) {
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
  const rows = thin(out.sampler.samples).flatMap((s) =>
    out.sampler.regions.flatMap((r, i) => [
      { hours: hours(s.t), region: r, resource: 'RAM', utilisation: s.regions[i]!.ram },
      { hours: hours(s.t), region: r, resource: 'vCPU', utilisation: s.regions[i]!.vcpu },
      { hours: hours(s.t), region: r, resource: 'disk', utilisation: s.regions[i]!.disk },
    ]),
  );
  return {
    title: 'Utilisation over time per region (share of the capacity of hosts that are up)',
    data: { values: rows },
    facet: { row: { field: 'resource', type: 'nominal', title: null, sort: ['RAM', 'vCPU', 'disk'] } },
    spec: {
      width: WIDTH, height: 120,
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
        y: { field: 'utilisation', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: null },
        color: { field: 'region', type: 'nominal' },
      },
    },
  } as TopLevelSpec;
}

export function latencySpec(out: RunOutput): TopLevelSpec {
  const bins = latencyHistogram(out.latenciesMs);
  const lat = out.latenciesMs;
  const marks = [50, 95, 99].map((p) => ({ p: `p${p}`, s: percentileSorted(lat, p) / 1000 })).filter((m) => Number.isFinite(m.s));
  return {
    title: `Build latency (request to ACTIVE, simulated seconds; ${lat.length} builds)`,
    width: WIDTH, height: 200,
    layer: [
      { data: { values: bins }, mark: { type: 'bar', color: '#4c78a8' }, encoding: { x: { field: 'fromS', type: 'quantitative', bin: 'binned', title: 'seconds' }, x2: { field: 'toS' }, y: { field: 'count', type: 'quantitative', title: 'builds' } } },
      { data: { values: marks }, mark: { type: 'rule', color: '#e45756' }, encoding: { x: { field: 's', type: 'quantitative' } } },
      { data: { values: marks }, mark: { type: 'text', align: 'left', dx: 3, dy: 8, baseline: 'top', color: '#e45756' }, encoding: { x: { field: 's', type: 'quantitative' }, y: { value: 0 }, text: { field: 'p' } } },
    ],
  } as TopLevelSpec;
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
    title: 'Rejections over time (NoValidHost and other errors), with faults',
    width: WIDTH, height: 200,
    layer: [
      { data: { values: rows }, mark: { type: 'bar', color: '#f58518' }, encoding: { x: { field: 'from', type: 'quantitative', bin: 'binned', title: 'simulated hours' }, x2: { field: 'to' }, y: { field: 'rejected', type: 'quantitative', title: 'instances rejected' } } },
      ...faultLayers(out),
    ],
  } as TopLevelSpec;
}

export function oracleSpec(out: RunOutput): TopLevelSpec | null {
  const o = out.oracle;
  if (!o) return null;
  const acceptance = out.counts.instances > 0 ? out.counts.active / out.counts.instances : 1;
  const bars = [
    { system: 'hierarchy', measure: 'acceptance rate', value: acceptance },
    { system: 'oracle', measure: 'acceptance rate', value: o.acceptanceRate },
  ];
  const lines = thin(out.sampler.samples.flatMap((s, i) => [
    { hours: hours(s.t), system: 'hierarchy', ram: s.overall.ram },
    { hours: hours(s.t), system: 'oracle', ram: o.samples[i]?.overall.ram ?? null },
  ]), 800);
  return {
    title: 'Hierarchy vs. oracle (flat omniscient best fit over all hosts)',
    hconcat: [
      {
        width: 160, height: 200, data: { values: bars }, mark: 'bar',
        encoding: {
          x: { field: 'system', type: 'nominal', title: null },
          y: { field: 'value', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: 'acceptance rate' },
          color: { field: 'system', type: 'nominal' },
        },
      },
      {
        width: WIDTH - 220, height: 200, data: { values: lines }, mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
          y: { field: 'ram', type: 'quantitative', axis: { format: '%' }, scale: { domain: [0, 1] }, title: 'RAM utilisation' },
          color: { field: 'system', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}

export function fragmentationSpec(out: RunOutput): TopLevelSpec {
  const rows = thin(out.sampler.samples).map((s) => ({ hours: hours(s.t), fragmentation: s.fragmentation }));
  return {
    title: 'Fragmentation: share of free RAM on hosts where no flavor of the mix fits',
    width: WIDTH, height: 120, data: { values: rows }, mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'hours', type: 'quantitative', title: 'simulated hours' },
      y: { field: 'fragmentation', type: 'quantitative', axis: { format: '.0%' }, scale: { domainMin: 0 }, title: null },
    },
  } as TopLevelSpec;
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
