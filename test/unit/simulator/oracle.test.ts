/** The oracle's best-fit placement: tightest host first, zones and group policies honoured, all or nothing. */
import { describe, expect, it } from 'vitest';
import { generateTopology } from '../../../topology/generate.ts';
import { resolvePlan } from '../../../topology/plan.ts';
import { BestFit } from '../../../simulator/oracle/best-fit.ts';
import { flavorNeed } from '../../../simulator/capacity.ts';

function fit(hosts = 3) {
  const plan = resolvePlan(generateTopology({ regions: 1, sitesPerRegion: 2, cellsPerSite: 1, hostsPerCell: hosts, host: { vcpus: 16, memory_mb: 16896, disk_gb: 1000 }, brokerBasePort: 0 }));
  const flavor = (name: string) => flavorNeed(plan.flavors.find((f) => f.name === name)!);
  return { bf: new BestFit(plan), flavor };
}

describe('oracle best fit', () => {
  // Each host: (16896 - 512) * 1.5 = 24576 MB of RAM to place.
  it('puts an instance on the host with the least free RAM that fits', () => {
    const { bf, flavor } = fit();
    const large = flavor('m1.large');
    const [first] = bf.place(large, 1, null, null, null)!;
    const [second] = bf.place(large, 1, null, null, null)!;
    expect(second).toBe(first);
    // 24576 - 2 * 8192 = 8192 left on that host: a third large still fits there, a fourth does not.
    expect(bf.place(large, 1, null, null, null)).toEqual([first]);
    expect(bf.place(large, 1, null, null, null)![0]).not.toBe(first);
  });

  it('spreads anti-affinity groups and keeps affinity groups together', () => {
    const { bf, flavor } = fit();
    const anti = bf.place(flavor('m1.small'), 3, null, null, 'anti-affinity')!;
    expect(new Set(anti).size).toBe(3);
    const aff = bf.place(flavor('m1.small'), 3, null, null, 'affinity')!;
    expect(new Set(aff).size).toBe(1);
  });

  it('places all instances of a request or none', () => {
    const { bf, flavor } = fit(1);
    const xl = flavor('m1.xlarge');
    expect(bf.place(xl, 4, null, null, null)).toBeNull();
    expect(bf.hosts.every((h) => h.usage.memoryMbUsed === 0)).toBe(true);
    expect(bf.place(xl, 2, null, null, null)).toHaveLength(2);
  });

  it('honours zones and cell hints, and skips hosts that are down', () => {
    const { bf, flavor } = fit(2);
    const zoneOf = (i: number) => bf.hosts[i]!.zone;
    const [h] = bf.place(flavor('m1.small'), 1, 'r1-s2', null, null)!;
    expect(zoneOf(h!)).toBe('r1-s2');
    const [c] = bf.place(flavor('m1.small'), 1, null, 'api!r1!s1', null)!;
    expect(bf.hosts[c!]!.cell).toBe('api!r1!s1!c1');
    bf.hosts.forEach((_, i) => bf.setUp(i, zoneOf(i) !== 'r1-s1'));
    const [d] = bf.place(flavor('m1.small'), 1, null, null, null)!;
    expect(zoneOf(d!)).toBe('r1-s2');
    expect(bf.place(flavor('m1.small'), 1, 'r1-s1', null, null)).toBeNull();
  });
});
