/**
 * A whole site lost: the geo example loses Frankfurt for an hour. While it is gone, rejections rise
 * above what they were before (the other sites fill up, and requests pinned to Frankfurt's zone have
 * nowhere to go); after it comes back they fall again, and the report gives a time to recover.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type RunOutput } from '../../simulator/engine.ts';
import { loadScenario } from '../../simulator/scenario/index.ts';

const GEO = join(import.meta.dirname, '..', '..', 'simulator', 'examples', 'geo-site-failure.yaml');

/** Rejected share of the instances that arrived in [fromMs, toMs). */
function rejectionRate(out: RunOutput, fromMs: number, toMs: number): number {
  const b = out.scenario.sampleMs;
  let arrived = 0;
  let rejected = 0;
  for (let i = Math.floor(fromMs / b); i < Math.floor(toMs / b); i++) {
    arrived += out.buckets.arrivals[i] ?? 0;
    rejected += out.buckets.rejectedByArrival[i] ?? 0;
  }
  return rejected / arrived;
}

describe('simulator: a site failure', () => {
  let out: RunOutput;

  beforeAll(async () => {
    out = await runSimulation({ scenario: loadScenario(GEO) });
  }, 180_000);

  it('loses the site’s hosts while it is down and gets them back', () => {
    const f = out.scenario.faults[0]!;
    const up = (tMs: number) => out.sampler.samples.find((s) => s.t * 1000 >= tMs)!.hostsUp;
    expect(up(f.atMs - 600_000)).toBe(30);
    expect(up(f.atMs + 600_000)).toBe(24);
    expect(up(f.untilMs! + 600_000)).toBe(30);
  });

  it('rejects more while the site is lost than before, and less again after it returns', () => {
    const f = out.scenario.faults[0]!;
    const before = rejectionRate(out, f.atMs - 2 * 3_600_000, f.atMs);
    const during = rejectionRate(out, f.atMs, f.untilMs!);
    const after = rejectionRate(out, f.untilMs! + 1_800_000, out.scenario.durationMs);
    expect(during).toBeGreaterThan(before + 0.03);
    // On the cell tree the site's cells rejoin (hello, full capacity report) and its hosts heartbeat
    // again within a report_interval; what stays above the baseline for a while is Frankfurt's own
    // zone filling back up.
    expect(after).toBeLessThan(during);
  });

  it('reports the fault as hurting, with a time to recover', () => {
    const impact = out.faults[0]!;
    expect(impact.hurt).toBe(true);
    expect(impact.peakRejectionRate).toBeGreaterThan(impact.baselineRejectionRate);
    expect(impact.timeToRecoverS).not.toBeNull();
    expect(impact.timeToRecoverS!).toBeLessThan(3600);
  });
});
