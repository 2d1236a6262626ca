/**
 * Property test: over seeded random cells and request streams, FilterScheduler over a HostManager
 * (struct of arrays, fused passes, FitIndex, top-k) chooses the same host and the same alternates,
 * in the same order, as ReferenceScheduler's plain filter-then-weigh; the same requests fail; and the
 * host states end identical. Cells include nearly full ones, so the FitIndex path runs too.
 */
import { describe, expect, it } from 'vitest';
import { novaConfig, type NovaConfigInput } from '../../../../runtime/config/index.ts';
import { SeededRng, type RandomStream } from '../../../../runtime/rng/index.ts';
import { FilterScheduler } from '../../../../actors/scheduler/filter-scheduler.ts';
import { HostManager } from '../../../../actors/scheduler/host-manager.ts';
import { ReferenceScheduler } from '../../../../actors/scheduler/reference-scheduler.ts';
import type { HostState, RequestSpec, Selection } from '../../../../actors/scheduler/types.ts';
import { FLAVORS, outcome } from '../../../support/scheduler-equivalence.ts';


/** Two identical cells built from one seed: one for each scheduler. */
function cells(rng: RandomStream, n: number, fullness: number): [HostManager, HostManager] {
  const recs = Array.from({ length: n }, (_, i) => {
    const vcpus = [0, 4, 16, 32, 64][rng.int(5)]!;
    const memoryMb = [8192, 65536, 131072, 262144][rng.int(4)]!;
    const localGb = [100, 500, 2000][rng.int(3)]!;
    return {
      rec: {
        host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus, memoryMb, localGb,
        cpuAllocationRatio: [1, 4, 16][rng.int(3)]!, ramAllocationRatio: [1, 1.5][rng.int(2)]!,
        diskAllocationRatio: [1, 1.25][rng.int(2)]!, reservedHostMemoryMb: [0, 512][rng.int(2)]!,
        reservedHostDiskMb: [0, 1024][rng.int(2)]!,
      },
      usage: {
        vcpus: Math.floor(vcpus * fullness * rng.next() * 8), memoryMb: Math.floor(memoryMb * fullness * rng.next() * 1.4),
        diskGb: Math.floor(localGb * fullness * rng.next()), numInstances: rng.int(10),
      },
      up: rng.int(20) !== 0, disabled: rng.int(25) === 0, failures: rng.int(15) === 0 ? 1 + rng.int(3) : 0,
      zone: rng.int(4) === 0 ? `az${rng.int(2)}` : null,
    };
  });
  const build = (): HostManager => {
    const hm = new HostManager(novaConfig());
    for (const r of recs) {
      hm.upsertComputeNode(r.rec);
      hm.setUsage(r.rec.uuid, r.usage);
      hm.setServiceState(r.rec.host, { up: r.up, disabled: r.disabled });
      for (let f = 0; f < r.failures; f++) hm.recordBuildFailure(r.rec.host);
      if (r.zone) hm.setAggregates(r.rec.host, [{ id: 1, name: r.zone, availabilityZone: r.zone, metadata: {} }]);
    }
    return hm;
  };
  return [build(), build()];
}

function request(rng: RandomStream, i: number, n: number): RequestSpec {
  const count = rng.int(4) === 0 ? 2 + rng.int(3) : 1;
  const pickHosts = (k: number) => Array.from({ length: k }, () => `h${rng.int(n)}`);
  const forced = rng.int(30) === 0;
  return {
    instanceUuids: Array.from({ length: count }, (_, j) => `i${i}-${j}`), numInstances: count, projectId: 'p',
    userId: 'u', flavor: FLAVORS[rng.int(FLAVORS.length)]!, image: { id: 'img', properties: {} },
    availabilityZone: rng.int(6) === 0 ? `az${rng.int(2)}` : null, schedulerHints: {}, instanceGroup: null,
    ignoreHosts: rng.int(8) === 0 ? pickHosts(3) : [], forceHosts: forced ? pickHosts(4) : [], forceNodes: [],
    retry: rng.int(8) === 0 ? { numAttempts: 2, hosts: pickHosts(2) } : { numAttempts: 1, hosts: [] },
  };
}

function usage(hosts: readonly HostState[]) {
  return hosts.map((h) => [h.host, h.vcpusUsed, h.memoryMbUsed, h.localGbUsed, h.numInstances, [...h.instances]]);
}

describe('FilterScheduler equals the reference filter-then-weigh', () => {
  const configs: Array<[string, NovaConfigInput]> = [
    ['defaults', {}],
    ['stacking, subset 3, 4 attempts', {
      scheduler: { max_attempts: 4 },
      filter_scheduler: { host_subset_size: 3, ram_weight_multiplier: -1, disk_weight_multiplier: 0.5 },
    }],
    ['CPU weigher off, no ComputeFilter, RetryFilter on', {
      filter_scheduler: {
        cpu_weight_multiplier: 0,
        enabled_filters: ['AvailabilityZoneFilter', 'RamFilter', 'DiskFilter', 'CoreFilter', 'RetryFilter'],
      },
    }],
  ];
  for (const [name, options] of configs) {
    for (const seed of ['a', 'b', 'c']) {
      it(`${name}, seed ${seed}: same choices, alternates, failures and host states`, () => {
        const rng = new SeededRng(`equiv-${name}-${seed}`).stream('cells');
        const config = novaConfig(options);
        let compared = 0;
        for (const [n, fullness] of [[1, 0.2], [7, 0.5], [120, 0.3], [600, 0.95], [1500, 1.05]] as const) {
          const [fastCell, refCell] = cells(rng, n, fullness);
          const fast = new FilterScheduler(config, new SeededRng(`s-${seed}`).stream('scheduler'));
          const ref = new ReferenceScheduler(config, new SeededRng(`s-${seed}`).stream('scheduler'));
          // Claims refused on some hosts, the same for both.
          const refuse = new Set(Array.from({ length: Math.ceil(n / 40) }, () => `h${rng.int(n)}`));
          const claim = (s: Selection) => !refuse.has(s.host);
          for (let i = 0; i < 60; i++) {
            const spec = request(rng, i, n);
            const a = outcome(() => fast.selectDestinations(spec, fastCell, claim));
            const b = outcome(() => ref.selectDestinations(structuredClone(spec), refCell.hosts(), claim));
            expect(a, `cell of ${n}, request ${i}`).toEqual(b);
            compared++;
          }
          expect(usage(fastCell.hosts())).toEqual(usage(refCell.hosts()));
        }
        expect(compared).toBe(300);
      });
    }
  }

  it('a nearly full cell is scanned through the FitIndex and still matches', () => {
    const [fastCell, refCell] = cells(new SeededRng('full').stream('cells'), 3000, 1.1);
    const bits = fastCell.arrays.index;
    // Fewer than half the hosts have 64 GB of room: the index, not the full scan, serves the big flavor.
    expect(bits.counts[0]![bits.level(0, 65536)]!).toBeLessThan(1500);
    const config = novaConfig();
    const fast = new FilterScheduler(config, new SeededRng('x').stream('scheduler'));
    const ref = new ReferenceScheduler(config, new SeededRng('x').stream('scheduler'));
    const rng = new SeededRng('full-requests').stream('r');
    for (let i = 0; i < 40; i++) {
      const spec = { ...request(rng, i, 3000), flavor: FLAVORS[4]!, ignoreHosts: [], forceHosts: [] };
      expect(outcome(() => fast.selectDestinations(spec, fastCell))).toEqual(
        outcome(() => ref.selectDestinations(structuredClone(spec), refCell.hosts())));
    }
  });
});
