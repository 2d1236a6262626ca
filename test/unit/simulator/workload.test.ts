/**
 * The workload generator: deterministic per seed, different across seeds, with named streams so that
 * turning on one feature (server groups, zone hints) leaves arrivals, flavors and lifetimes unchanged;
 * Poisson and burst rates as configured; trace files read with located errors.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../runtime/rng/index.ts';
import { parseScenario, ScenarioError } from '../../../simulator/scenario/index.ts';
import { WorkloadGenerator, type SimRequestSpec } from '../../../simulator/workload/generator.ts';
import { parseTrace } from '../../../simulator/workload/trace.ts';
import { meanOf, sample } from '../../../simulator/workload/distributions.ts';

const scenario = (workload: string, duration = '10h') =>
  parseScenario(`duration: ${duration}
topology: {generate: {regions: 1, sites_per_region: 2, cells_per_site: 1, hosts_per_cell: 2}}
workload:
${workload}`, 'w.yaml');

function all(w: string, seed = '1', duration = '10h'): SimRequestSpec[] {
  const s = scenario(w, duration);
  const g = new WorkloadGenerator(s.workload, new SeededRng(seed), s.durationMs);
  const out: SimRequestSpec[] = [];
  for (let r = g.next(); r; r = g.next()) out.push(r);
  return out;
}

const BASE = `  arrivals: {process: poisson, rate: 10/min}
  flavors: {m1.small: 3, m1.large: 1}
  lifetime: {distribution: exponential, mean: 1h}
`;

describe('workload generator', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = all(BASE, '1');
    expect(all(BASE, '1')).toEqual(a);
    const b = all(BASE, '2');
    expect(b.map((r) => r.atMs)).not.toEqual(a.map((r) => r.atMs));
  });

  it('draws a Poisson stream at the configured rate, in time order, within the duration', () => {
    const reqs = all(BASE);
    expect(reqs.length).toBeGreaterThan(5400);
    expect(reqs.length).toBeLessThan(6600);
    for (let i = 1; i < reqs.length; i++) expect(reqs[i]!.atMs).toBeGreaterThanOrEqual(reqs[i - 1]!.atMs);
    expect(reqs[reqs.length - 1]!.atMs).toBeLessThan(36_000_000);
    const small = reqs.filter((r) => r.flavor.name === 'm1.small').length / reqs.length;
    expect(small).toBeGreaterThan(0.7);
    expect(small).toBeLessThan(0.8);
  });

  it('keeps arrivals, flavors and lifetimes when server groups and zone hints are added', () => {
    const plain = all(BASE);
    const rich = all(`${BASE}  server_groups: {fraction: 0.3, size: {min: 2, max: 3}, policies: {affinity: 1, anti-affinity: 1}}
  availability_zones: {fraction: 0.5}
`);
    expect(rich.map((r) => [r.atMs, r.flavor.name, r.lifetimeMs])).toEqual(plain.map((r) => [r.atMs, r.flavor.name, r.lifetimeMs]));
    const grouped = rich.filter((r) => r.group);
    expect(grouped.length / rich.length).toBeGreaterThan(0.25);
    expect(grouped.every((r) => r.count >= 2 && r.count <= 3)).toBe(true);
    expect(rich.filter((r) => r.availabilityZone).length / rich.length).toBeGreaterThan(0.45);
  });

  it('makes bursts: the rate inside a burst is the burst rate', () => {
    const reqs = all(`  arrivals: {process: bursts, rate: 1/min, burst_rate: 60/min, burst_every: 1h, burst_duration: 10m}
`);
    const inBurst = reqs.filter((r) => r.atMs >= 3_600_000 && (r.atMs - 3_600_000) % 3_600_000 < 600_000).length;
    const outside = reqs.length - inBurst;
    // 9 bursts × 10 min × 60/min ≈ 5400; about 510 minutes × 1/min outside.
    expect(inBurst).toBeGreaterThan(4900);
    expect(inBurst).toBeLessThan(5900);
    expect(outside).toBeGreaterThan(400);
    expect(outside).toBeLessThan(650);
  });

  it('stops at max_requests', () => {
    expect(all(`${BASE}  max_requests: 25\n`)).toHaveLength(25);
  });
});

describe('distributions', () => {
  it('sample around their means and respect max', () => {
    const s = new SeededRng('d').stream('x');
    for (const d of [
      { kind: 'exponential' as const, mean: 1000 },
      { kind: 'uniform' as const, min: 100, max: 300 },
      { kind: 'normal' as const, mean: 500, sd: 50 },
      { kind: 'lognormal' as const, median: 100, sigma: 0.5 },
    ]) {
      let sum = 0;
      for (let i = 0; i < 20_000; i++) sum += sample(d, s);
      expect(sum / 20_000 / meanOf(d)).toBeCloseTo(1, 1);
    }
    for (let i = 0; i < 1000; i++) expect(sample({ kind: 'exponential', mean: 1000, max: 50 }, s)).toBeLessThanOrEqual(50);
  });
});

describe('trace files', () => {
  const names = { flavors: ['m1.small', 'm1.large'], zones: ['az1'], cells: ['api!c1'] };

  it('reads requests and leaves empty cells to the mix', () => {
    const rows = parseTrace('time,flavor,count,lifetime,group_policy\n0,m1.small,1,2h,\n12.5,,3,forever,anti-affinity\n1m,m1.large,,,\n', 't.csv', names);
    expect(rows).toEqual([
      { atMs: 0, flavor: 'm1.small', count: 1, lifetimeMs: 7_200_000 },
      { atMs: 12_500, count: 3, lifetimeMs: null, groupPolicy: 'anti-affinity' },
      { atMs: 60_000, flavor: 'm1.large' },
    ]);
  });

  it('reports bad rows at their line and column', () => {
    try {
      parseTrace('time,flavor\n10,m1.smal\n5,m1.small\n', 't.csv', names);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as Error).message.split('\n')).toEqual([
        't.csv:2:4 flavor: unknown flavor "m1.smal"; did you mean "m1.small"? expected one of: m1.small, m1.large',
        't.csv:3:1 time: times must not go back: 5 comes after a later time',
      ]);
    }
  });

  it('rejects unknown columns', () => {
    expect(() => parseTrace('time,flavour\n0,m1.small\n', 't.csv', names)).toThrow(/t\.csv:1:6 \(header\): unknown column "flavour"; did you mean "flavor"\?/);
  });
});
