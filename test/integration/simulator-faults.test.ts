/**
 * Faults in the flat-cells target, on a tiny topology: a host that is down fails its spawns (builds are
 * rescheduled) and drops out of scheduling once its heartbeats are missed; a cut link keeps new builds
 * away from its cell until it heals.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type RunOutput } from '../../simulator/engine.ts';
import { parseScenario } from '../../simulator/scenario/index.ts';
import type { InstanceStateEvent, SimTargetFactory } from '../../simulator/target.ts';
import { startFlatCells } from '../../simulator/targets/flat-cells.ts';

const SCENARIO = `name: faults
duration: 1h
drain: 10m
sample_interval: 1m
topology: {generate: {regions: 1, sites_per_region: 2, cells_per_site: 1, hosts_per_cell: 3, host: {vcpus: 64, memory_mb: 131072, disk_gb: 4000}}}
nova: {report_interval: 10, service_down_time: 30}
spawn_time: 20s
workload:
  arrivals: {process: poisson, rate: 12/min}
  flavors: {m1.small: 1}
  lifetime: 30m
faults:
  - {at: 10m, kind: host_down, hosts: "r1s1c1-compute[001:003]", duration: 15m}
  - {at: 10m, kind: link_cut, cell: "api!r1!s2!c1", duration: 20m}
`;

function recording(events: InstanceStateEvent[]): SimTargetFactory {
  return async (ctx) => {
    const t = await startFlatCells(ctx);
    t.onInstanceState((e) => events.push(e));
    return t;
  };
}

describe('simulator faults (flat-cells)', () => {
  const events: InstanceStateEvent[] = [];
  let out: RunOutput;
  const min = (m: number) => out.sampler.samples.find((s) => s.t >= m * 60)!;

  beforeAll(async () => {
    out = await runSimulation({ scenario: parseScenario(SCENARIO, 'faults.yaml'), seed: '5', target: recording(events) });
  }, 120_000);

  it('reschedules builds away from a host that is down, then leaves it out', () => {
    expect(out.counters.reschedules).toBeGreaterThan(0);
    expect(min(9).cells[0]!.hostsUp).toBe(3);
    expect(min(11).cells[0]!.hostsUp).toBe(0);
    expect(min(26).cells[0]!.hostsUp).toBe(3);
    const t0 = Math.min(...events.map((e) => e.atMs));
    const activeOnDown = events.filter((e) => e.vmState === 'active' && e.host?.startsWith('r1s1c1') && e.atMs - t0 > 11 * 60_000 && e.atMs - t0 < 25 * 60_000);
    expect(activeOnDown).toEqual([]);
  });

  it('sends nothing to a cell while its link is cut, and again after it heals', () => {
    const t0 = Math.min(...events.map((e) => e.atMs));
    const activeIn = (prefix: string, fromMin: number, toMin: number) =>
      events.filter((e) => e.vmState === 'active' && e.host?.startsWith(prefix) && e.atMs - t0 >= fromMin * 60_000 && e.atMs - t0 < toMin * 60_000).length;
    // No build reaches c2 while it is cut off (those sent before the cut are ACTIVE within a minute)...
    const c2New = (fromMin: number, toMin: number) =>
      events.filter((e) => e.vmState === 'active' && e.host?.startsWith('r1s2c1') && e.atMs - t0 >= fromMin * 60_000 && e.atMs - t0 < toMin * 60_000).length;
    expect(c2New(11, 30)).toBe(0);
    // ...while c1, once its hosts are back, takes them; and c2 takes builds again after the heal.
    expect(activeIn('r1s1c1', 26, 30)).toBeGreaterThan(0);
    expect(c2New(31, 60)).toBeGreaterThan(0);
  });

  it('counts the builds rejected while no cell could take them', () => {
    // From 10 to 25 min: c1's hosts down, c2 cut off — requests fail at the dispatcher or in c1.
    expect(out.counts.no_valid_host).toBeGreaterThan(0);
    expect(out.faults.map((f) => f.hurt)).toEqual([true, true]);
  });
});
