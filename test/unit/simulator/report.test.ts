/** Report pieces: CSV quoting, the latency histogram, replication seeds and summaries, SVG rendering. */
import { describe, expect, it } from 'vitest';
import { csv, latencyHistogram } from '../../../simulator/report/csv.ts';
import { logLatencyBins, renderSvg } from '../../../simulator/report/charts.ts';
import { replicationSeeds, summariseReplications } from '../../../simulator/report/replications.ts';
import type { SimResults } from '../../../simulator/report/results.ts';

describe('report', () => {
  it('writes CSV with quoting and rounded numbers', () => {
    expect(csv(['a', 'b', 'c'], [['x,y', 1 / 3, null], ['say "hi"', true, Number.NaN]])).toBe('a,b,c\n"x,y",0.333333,\n"say ""hi""",true,\n');
  });

  it('bins latencies, keeping every build', () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => i * 100).sort();
    const bins = latencyHistogram(xs);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(1000);
    expect(bins[0]!.fromS).toBe(0);
  });

  it('bins latencies on a log scale from the fastest to the slowest build, keeping every build', () => {
    const xs = Float64Array.from([...Array.from({ length: 990 }, (_, i) => 10_000 + i * 20), 500_000, 3_600_000]).sort();
    const bins = logLatencyBins(xs, 40);
    expect(bins).toHaveLength(40);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(992);
    expect(bins[0]!.fromS).toBeCloseTo(10, 6);
    expect(bins[39]!.toS).toBeCloseTo(3600, 6);
    // Equal ratios, not equal widths: the bulk (10–30 s) spreads over many bins instead of one.
    expect(bins[1]!.toS / bins[1]!.fromS).toBeCloseTo(bins[30]!.toS / bins[30]!.fromS, 9);
    expect(bins.filter((b) => b.toS <= 30 && b.count > 0).length).toBeGreaterThan(5);
  });

  it('counts seeds up from a number, suffixes other seeds', () => {
    expect(replicationSeeds('42', 3)).toEqual(['42', '43', '44']);
    expect(replicationSeeds('alpha', 3)).toEqual(['alpha', 'alpha-1', 'alpha-2']);
  });

  it('summarises replications with a mean and a confidence interval', () => {
    const fake = (acceptance: number) => ({ requests: { acceptance_rate: acceptance }, build_latency_s: {}, messages: {}, utilisation: { mean: {} }, fragmentation: {}, oracle: null, manifest: { seed: 'x' } }) as unknown as SimResults;
    const s = summariseReplications([{ seed: '1', results: fake(0.9) }, { seed: '2', results: fake(1) }]);
    expect(s.metrics.acceptance_rate).toMatchObject({ mean: 0.95, n: 2, values: [0.9, 1] });
    expect(s.metrics.acceptance_rate!.ci95).toBeCloseTo((12.706 * Math.sqrt(0.005)) / Math.sqrt(2), 5);
    expect(s.manifest?.seeds).toEqual(['1', '2']);
  });

  it('renders a Vega-Lite chart to SVG in Node', async () => {
    const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('</svg>');
  });
});
