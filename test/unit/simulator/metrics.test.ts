/** Percentiles, confidence intervals, fault recovery and fragmentation, on small known inputs. */
import { describe, expect, it } from 'vitest';
import { confidence95, percentileSorted } from '../../../simulator/metrics/stats.ts';
import { faultImpact } from '../../../simulator/metrics/recovery.ts';
import { Sampler } from '../../../simulator/metrics/sampler.ts';
import { flavorNeed } from '../../../simulator/capacity.ts';
import { generateTopology } from '../../../topology/generate.ts';
import { resolvePlan } from '../../../topology/plan.ts';
import type { ResolvedFault } from '../../../simulator/scenario/model.ts';

describe('statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(xs, 50)).toBe(50);
    expect(percentileSorted(xs, 95)).toBe(95);
    expect(percentileSorted(xs, 99)).toBe(99);
    expect(percentileSorted(xs, 100)).toBe(100);
    expect(percentileSorted(new Float64Array(0), 50)).toBeNaN();
  });

  it('gives Student-t confidence intervals', () => {
    const ci = confidence95([1, 2, 3, 4, 5]);
    expect(ci.mean).toBe(3);
    expect(ci.ci95).toBeCloseTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 6);
    expect(confidence95([7]).ci95).toBe(0);
  });
});

describe('time to recover', () => {
  const fault: ResolvedFault = { index: 0, kind: 'site_lost', label: 'lost', atMs: 4 * 600_000, untilMs: 7 * 600_000, hosts: [], cells: [], site: 'a/b' };
  const arrivals = Array(14).fill(100);

  it('measures from the repair to the first bucket back near the baseline', () => {
    const rejected = [1, 1, 1, 1, 30, 40, 50, 35, 10, 2, 1, 1, 1, 1];
    const f = faultImpact(fault, arrivals, rejected, 600_000, 14 * 600_000);
    expect(f.hurt).toBe(true);
    expect(f.baselineRejectionRate).toBeCloseTo(0.01);
    expect(f.peakRejectionRate).toBeCloseTo(0.5);
    expect(f.timeToRecoverS).toBe(1200);
  });

  it('says so when a fault changed nothing, or never recovered', () => {
    expect(faultImpact(fault, arrivals, Array(14).fill(1), 600_000, 14 * 600_000)).toMatchObject({ hurt: false, timeToRecoverS: 0 });
    expect(faultImpact(fault, arrivals, [0, 0, 0, 0, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50], 600_000, 14 * 600_000).timeToRecoverS).toBeNull();
  });
});

describe('fragmentation', () => {
  it('counts free RAM on hosts where no flavor of the mix fits as stranded', () => {
    const plan = resolvePlan(generateTopology({ regions: 1, sitesPerRegion: 1, cellsPerSite: 1, hostsPerCell: 2, host: { vcpus: 4, memory_mb: 16896, disk_gb: 1000 }, brokerBasePort: 0 }));
    const large = flavorNeed(plan.flavors.find((f) => f.name === 'm1.large')!);
    const usage = (vcpusUsed: number, memoryMbUsed: number) => ({
      vcpus: 4, vcpusUsed, memoryMb: 16896, memoryMbUsed, localGb: 1000, localGbUsed: 0, cpuAllocationRatio: 1, ramAllocationRatio: 1.5,
      diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0,
    });
    const s = new Sampler(plan, [large], 1).take(0, [
      // All vCPUs taken: its free RAM is stranded.
      { name: plan.hosts[0]!.name, cell: plan.hosts[0]!.cell, up: true, usage: usage(4, 8192) },
      { name: plan.hosts[1]!.name, cell: plan.hosts[1]!.cell, up: true, usage: usage(0, 8192) },
    ], 2);
    expect(s.freeRamMb).toBe(2 * (24576 - 8192));
    expect(s.strandedRamMb).toBe(24576 - 8192);
    expect(s.fragmentation).toBeCloseTo(0.5);
    expect(s.overall.ram).toBeCloseTo(8192 / 24576);
  });
});
