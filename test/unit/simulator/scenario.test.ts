/**
 * Scenario files load like topology files: the examples are valid, and every mistake is reported as
 * file:line:col path: message, with a suggestion where a name is close to a valid one.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadScenario, parseScenario, ScenarioError } from '../../../simulator/scenario/index.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'simulator', 'examples');

const BASE = `name: t
duration: 1h
topology:
  generate: {regions: 1, sites_per_region: 2, cells_per_site: 1, hosts_per_cell: 3}
workload:
  arrivals: {process: poisson, rate: 10/min}
  flavors: {m1.small: 1}
`;

function errorsOf(text: string, set: string[] = []): string[] {
  try {
    parseScenario(text, 'scn.yaml', { set, baseDir: EXAMPLES });
  } catch (e) {
    if (e instanceof ScenarioError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario examples', () => {
  it.each(['small.yaml', 'geo-site-failure.yaml', 'large.yaml'])('%s is valid', (name) => {
    const s = loadScenario(join(EXAMPLES, name));
    expect(s.plan.hosts.length).toBeGreaterThan(0);
    expect(s.durationMs).toBeGreaterThan(0);
    expect(s.source.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resolves the geo example: site loss expands to that site’s cells and hosts', () => {
    const s = loadScenario(join(EXAMPLES, 'geo-site-failure.yaml'));
    const f = s.faults[0]!;
    expect(f.kind).toBe('site_lost');
    expect(f.cells).toEqual(['api!eu!fra1']);
    expect(f.hosts).toHaveLength(6);
    expect(f.untilMs).toBe(f.atMs + 3_600_000);
  });
});

describe('scenario errors', () => {
  it('names the line and suggests the closest key', () => {
    expect(errorsOf(BASE.replace('duration: 1h', 'duratoin: 1h'))).toEqual([
      expect.stringMatching(/^scn\.yaml:1:1 duration: required/),
      expect.stringMatching(/^scn\.yaml:2:1 duratoin: unknown key "duratoin"; did you mean "duration"\?/),
    ]);
  });

  it('explains a bad duration and a bad rate', () => {
    const errs = errorsOf(BASE.replace('duration: 1h', 'duration: 1 hour').replace('rate: 10/min', 'rate: lots'));
    expect(errs[0]).toMatch(/^scn\.yaml:2:11 duration: expected a duration like 90s/);
    expect(errs[1]).toMatch(/^scn\.yaml:6:38 workload\.arrivals\.rate: expected a rate like 10\/min/);
  });

  it('checks names against the topology', () => {
    const text = `${BASE.replace('m1.small: 1', 'm1.smal: 1')}faults:\n  - {at: 10m, kind: host_down, hosts: r1s1c1-compute009}\n  - {at: 10m, kind: site_lost, site: r1/s9}\n`;
    const errs = errorsOf(text);
    expect(errs).toContainEqual(expect.stringMatching(/^scn\.yaml:7:13 workload\.flavors\["m1\.smal"\]: unknown flavor "m1\.smal"; did you mean "m1\.small"\?/));
    expect(errs).toContainEqual(expect.stringMatching(/^scn\.yaml:9:39 faults\[0\]\.hosts: unknown host "r1s1c1-compute009"/));
    expect(errs).toContainEqual(expect.stringMatching(/^scn\.yaml:10:38 faults\[1\]\.site: unknown site "r1\/s9"; did you mean "r1\/s1"\?/));
  });

  it('checks distributions kind by kind', () => {
    const errs = errorsOf(`${BASE}spawn_time: {distribution: lognorml, median: 20s}\n`);
    expect(errs[0]).toMatch(/spawn_time\.distribution: "lognorml" is not allowed; did you mean "lognormal"\?/);
    const missing = errorsOf(`${BASE}spawn_time: {distribution: lognormal, median: 20s}\n`);
    expect(missing[0]).toMatch(/spawn_time: required: "sigma" \(a lognormal distribution needs median, sigma\)/);
  });

  it('reports inline topology problems inside the scenario file', () => {
    const text = BASE.replace(/topology:\n  generate: .*\n/, 'topology:\n  inline:\n    cell: {name: api, children: [{name: c1, hots: []}]}\n');
    expect(errorsOf(text)[0]).toMatch(/^scn\.yaml:5:45 topology\.inline\.cell\.children\[0\]\.hots: unknown key "hots"; did you mean "hosts"\?/);
  });
});

describe('--set overrides', () => {
  it('sets Nova options on every cell and scenario fields by path', () => {
    const s = parseScenario(BASE, 'scn.yaml', { set: ['filter_scheduler.ram_weight_multiplier=-1', 'workload.arrivals.rate=20/min', 'duration=2h'] });
    for (const c of s.plan.cells) expect(c.nova.filter_scheduler.ram_weight_multiplier).toBe(-1);
    expect(s.workload.arrivals.rate).toBeCloseTo(20 / 60_000);
    expect(s.durationMs).toBe(7_200_000);
    expect(s.source.overrides).toEqual(['filter_scheduler.ram_weight_multiplier=-1', 'workload.arrivals.rate=20/min', 'duration=2h']);
  });

  it('changes the scenario hash', () => {
    const a = parseScenario(BASE, 'scn.yaml');
    const b = parseScenario(BASE, 'scn.yaml', { set: ['duration=2h'] });
    expect(a.source.hash).not.toBe(b.source.hash);
  });

  it('blames a bad value on the override, not on a line', () => {
    expect(errorsOf(BASE, ['filter_scheduler.ram_weight_multiplier=heavy'])).toEqual([
      expect.stringMatching(/^--set filter_scheduler\.ram_weight_multiplier=heavy nova\["filter_scheduler\.ram_weight_multiplier"\]: expected a number/),
    ]);
    expect(errorsOf(BASE, ['filter_scheduler.ram_weight_multipler=1'])[0]).toMatch(/unknown option "ram_weight_multipler" in Nova section \[filter_scheduler\]; did you mean "ram_weight_multiplier"\?/);
  });
});
