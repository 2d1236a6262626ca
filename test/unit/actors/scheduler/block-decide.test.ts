/**
 * Property tests of the block-pruned decision (block-summary.ts, fused-pass.ts's blockDecide):
 * over seeded random cells that keep changing between decisions (usage counts, direct HostState
 * writes, services going down and coming back, build failures, inventory changes, nodes added and
 * removed), FilterScheduler chooses what ReferenceScheduler chooses, alternates in order, with
 * claims refused far enough down the order that the full order is needed; and blockDecide's top k
 * equals the plain fused passes' (fusedFilter, weighAndRank), while skipping blocks in a spread cell.
 */
import { describe, expect, it } from 'vitest';
import { novaConfig, type NovaConfigInput } from '../../../../runtime/config/index.ts';
import { SeededRng, type RandomStream } from '../../../../runtime/rng/index.ts';
import { FilterScheduler } from '../../../../actors/scheduler/filter-scheduler.ts';
import { HostManager, type ComputeNodeRecord } from '../../../../actors/scheduler/host-manager.ts';
import { ReferenceScheduler } from '../../../../actors/scheduler/reference-scheduler.ts';
import {
  BlockScratch, blockDecide, blockOrder, fusedFilter, minMax, noFusedFilters, weighAndRank, W_CPU, W_DISK, W_FAIL,
  W_RAM,
} from '../../../../actors/scheduler/fused-pass.ts';
import type { HostState, RequestSpec } from '../../../../actors/scheduler/types.ts';
import { FLAVORS, outcome } from '../../../support/scheduler-equivalence.ts';


/** A node record; `uniform` cells have one size and few usage levels, so totals tie across blocks. */
function record(rng: RandomStream, id: number, uniform: boolean): ComputeNodeRecord {
  if (uniform) {
    return { host: `h${id}`, nodename: `h${id}`, uuid: `u${id}`, vcpus: 16, memoryMb: 65536, localGb: 500 };
  }
  return {
    host: `h${id}`, nodename: `h${id}`, uuid: `u${id}`, vcpus: [0, 4, 16, 32, 64][rng.int(5)]!,
    memoryMb: [8192, 65536, 131072, 262144][rng.int(4)]!, localGb: [100, 500, 2000][rng.int(3)]!,
    cpuAllocationRatio: [1, 4, 16][rng.int(3)]!, ramAllocationRatio: [1, 1.5][rng.int(2)]!,
    diskAllocationRatio: [1, 1.25][rng.int(2)]!, reservedHostMemoryMb: [0, 512][rng.int(2)]!,
    reservedHostDiskMb: [0, 1024][rng.int(2)]!,
  };
}

type Op = (hm: HostManager) => void;

/** One random change to a cell, as a function applied to both cells alike. */
function randomOp(rng: RandomStream, ids: number[], next: { id: number }, uniform: boolean, fullness: number): Op {
  const pick = (): number => ids[rng.int(ids.length)]!;
  const usage = (): { vcpus: number; memoryMb: number; diskGb: number; numInstances: number } => uniform
    ? { vcpus: 2 * rng.int(4), memoryMb: 8192 * rng.int(4), diskGb: 50 * rng.int(4), numInstances: rng.int(4) }
    : {
      vcpus: Math.floor(64 * fullness * rng.next() * 4), memoryMb: Math.floor(262144 * fullness * rng.next()),
      diskGb: Math.floor(2000 * fullness * rng.next()), numInstances: rng.int(10),
    };
  const kind = rng.int(100);
  if (ids.length === 0 || kind < 4) {
    const rec = record(rng, next.id++, uniform);
    ids.push(Number(rec.uuid.slice(1)));
    const u = usage();
    return (hm) => {
      hm.upsertComputeNode(rec);
      hm.setUsage(rec.uuid, u);
    };
  }
  if (kind < 40) {
    const id = pick();
    const u = usage();
    return (hm) => hm.setUsage(`u${id}`, u);
  }
  if (kind < 55) {
    const id = pick();
    const field = (['memoryMbUsed', 'vcpusUsed', 'localGbUsed'] as const)[rng.int(3)]!;
    const delta = [-4096, -2, 2, 4096, 40][rng.int(5)]!;
    return (hm) => {
      const h = hm.get(`u${id}`)!;
      h[field] = Math.max(0, h[field] + delta);
    };
  }
  if (kind < 70) {
    const id = pick();
    const state = { up: rng.int(3) !== 0, disabled: rng.int(4) === 0 };
    return (hm) => hm.setServiceState(`h${id}`, state);
  }
  if (kind < 80) {
    const id = pick();
    const reset = rng.int(3) === 0;
    return (hm) => (reset ? hm.resetBuildFailures(`h${id}`) : hm.recordBuildFailure(`h${id}`));
  }
  if (kind < 88) {
    const id = pick();
    const rec = { ...record(rng, id, uniform), memoryMb: [8192, 65536, 131072][rng.int(3)]! };
    return (hm) => hm.upsertComputeNode(rec);
  }
  if (kind < 94) {
    const id = pick();
    const zone = rng.int(2) === 0 ? [{ id: 1, name: 'az1', availabilityZone: 'az1', metadata: {} }] : [];
    return (hm) => hm.setAggregates(`h${id}`, zone);
  }
  const at = rng.int(ids.length);
  const id = ids[at]!;
  ids.splice(at, 1);
  return (hm) => {
    hm.removeComputeNode(`u${id}`);
  };
}

function request(rng: RandomStream, i: number, ids: number[]): RequestSpec {
  const count = rng.int(6) === 0 ? 2 + rng.int(2) : 1;
  return {
    instanceUuids: Array.from({ length: count }, (_, j) => `i${i}-${j}`), numInstances: count, projectId: 'p',
    userId: 'u', flavor: FLAVORS[rng.int(FLAVORS.length)]!, image: { id: 'img', properties: {} },
    availabilityZone: rng.int(10) === 0 ? 'az1' : null, schedulerHints: {}, instanceGroup: null,
    ignoreHosts: rng.int(15) === 0 && ids.length > 0 ? [`h${ids[rng.int(ids.length)]}`] : [], forceHosts: [],
    forceNodes: [], retry: { numAttempts: 1, hosts: [] },
  };
}

function usage(hosts: readonly HostState[]) {
  return hosts.map((h) => [h.host, h.vcpusUsed, h.memoryMbUsed, h.localGbUsed, h.numInstances, h.failedBuilds]);
}

describe('the block-pruned decision equals the reference over changing cells', () => {
  const configs: Array<[string, NovaConfigInput]> = [
    ['defaults', {}],
    ['stacking RAM, subset 3, 5 attempts', {
      scheduler: { max_attempts: 5 },
      filter_scheduler: { host_subset_size: 3, ram_weight_multiplier: -1, disk_weight_multiplier: 0.5 },
    }],
    ['no ComputeFilter, CPU weigher off, failures weigh 1', {
      filter_scheduler: {
        cpu_weight_multiplier: 0, build_failure_weight_multiplier: 1,
        enabled_filters: ['AvailabilityZoneFilter', 'RamFilter', 'DiskFilter', 'CoreFilter'],
      },
    }],
  ];
  const cellsOf: Array<[number, number, boolean]> = [[33, 0.3, false], [300, 0.5, true], [900, 0.2, false],
    [2000, 0.9, false]];
  for (const [name, options] of configs) {
    for (const seed of ['a', 'b']) {
      it(`${name}, seed ${seed}`, () => {
        const rng = new SeededRng(`blocks-${name}-${seed}`).stream('cells');
        const config = novaConfig(options);
        let compared = 0;
        for (const [size, fullness, uniform] of cellsOf) {
          const fastCell = new HostManager(config);
          const refCell = new HostManager(config);
          const ids: number[] = [];
          const next = { id: 0 };
          for (let i = 0; i < size; i++) {
            const op = randomOp(rng, [], next, uniform, fullness);
            ids.push(next.id - 1);
            op(fastCell);
            op(refCell);
            if (rng.int(8) === 0) {
              const state = { up: rng.int(2) === 0, disabled: rng.int(2) === 0 };
              for (const hm of [fastCell, refCell]) hm.setServiceState(`h${next.id - 1}`, state);
            }
          }
          const fast = new FilterScheduler(config, new SeededRng(`s-${seed}`).stream('scheduler'));
          const ref = new ReferenceScheduler(config, new SeededRng(`s-${seed}`).stream('scheduler'));
          for (let i = 0; i < 80; i++) {
            for (let c = rng.int(4); c > 0; c--) {
              const op = randomOp(rng, ids, next, uniform, fullness);
              op(fastCell);
              op(refCell);
            }
            const spec = request(rng, i, ids);
            // Every 8th request: the first 9 claims are refused, past the top k the decision keeps.
            const refuseFirst = i % 8 === 0 ? 9 : 0;
            let fastCalls = 0;
            let refCalls = 0;
            const a = outcome(() => fast.selectDestinations(spec, fastCell, () => ++fastCalls > refuseFirst));
            const b = outcome(() => ref.selectDestinations(structuredClone(spec), refCell.hosts(),
              () => ++refCalls > refuseFirst));
            expect(a, `cell of ${size}, request ${i}`).toEqual(b);
            expect(fastCalls).toBe(refCalls);
            compared++;
          }
          expect(usage(fastCell.hosts())).toEqual(usage(refCell.hosts()));
        }
        expect(compared).toBe(320);
      });
    }
  }
});

describe('blockDecide', () => {
  const COLS = Int32Array.from([W_RAM, W_CPU, W_DISK, W_FAIL]);

  /** The plain fused passes: fusedFilter over every slot, min/max, weighAndRank. */
  function plain(hm: HostManager, spec: RequestSpec, mults: Float64Array, k: number) {
    const a = hm.arrays;
    const f = { ...noFusedFilters(spec), compute: true, ram: true, core: true, disk: true };
    const idx = new Int32Array(a.size);
    const n = fusedFilter(a, idx, a.size, true, f, null, COLS);
    const mm = new Float64Array(8);
    minMax(a, idx, n, COLS, mm);
    const act = { cols: new Int32Array(4), mult: new Float64Array(4), min: new Float64Array(4), range: new Float64Array(4) };
    let w = 0;
    for (let j = 0; j < 4; j++) {
      if (mults[j] === 0 || mm[2 * j] === mm[2 * j + 1]) continue;
      act.cols[w] = COLS[j]!;
      act.mult[w] = mults[j]!;
      act.min[w] = mm[2 * j]!;
      act.range[w] = mm[2 * j + 1]! - mm[2 * j]!;
      w++;
    }
    const total = new Float64Array(Math.max(1, n));
    const pos = new Int32Array(k);
    const out = new Float64Array(k);
    const m = n > 1 ? weighAndRank(a, idx, n, act.cols, w, act.mult, act.min, act.range, total, k, pos, out)
      : Math.min(n, k);
    const slots = Array.from(pos.subarray(0, m), (p) => idx[p]!);
    if (n === 1) slots[0] = idx[0]!;
    return { n, slots, idx, total };
  }

  it('keeps the plain passes\' top k, and the whole order, over a changing cell', () => {
    const rng = new SeededRng('block-decide').stream('cell');
    const hm = new HostManager(novaConfig());
    const ids: number[] = [];
    const next = { id: 0 };
    for (let i = 0; i < 1200; i++) {
      randomOp(rng, [], next, false, 0.6)(hm);
      ids.push(next.id - 1);
    }
    const sc = new BlockScratch();
    for (let i = 0; i < 300; i++) {
      for (let c = rng.int(5); c > 0; c--) randomOp(rng, ids, next, false, 0.6)(hm);
      const spec = request(rng, i, ids);
      const mults = Float64Array.from([[1, -1, 0.5][rng.int(3)]!, [1, 0][rng.int(2)]!, 1, -1e6]);
      const k = 1 + rng.int(12);
      const f = { ...noFusedFilters(spec), compute: true, ram: true, core: true, disk: true };
      const outSlot = new Int32Array(k);
      const outW = new Float64Array(k);
      const m = blockDecide(hm.arrays, f, COLS, mults, k, outSlot, outW, sc);
      const want = plain(hm, spec, mults, k);
      expect(sc.n, `request ${i}`).toBe(want.n);
      expect(Array.from(outSlot.subarray(0, m)), `request ${i}`).toEqual(want.slots);
      if (i % 25 === 0 && want.n > 1) {
        // The complete order: the plain totals sorted (stable, best first), as slots.
        const order = Array.from({ length: want.n }, (_, p) => p)
          .sort((x, y) => want.total[y]! - want.total[x]! || x - y).map((p) => want.idx[p]!);
        expect(Array.from(blockOrder(hm.arrays, sc))).toEqual(order);
      }
    }
  });

  it('a host of an earlier block tied with the k-th best comes before it (slot order)', () => {
    const hm = new HostManager(novaConfig());
    for (let i = 0; i < 96; i++) {
      hm.upsertComputeNode({ host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 16, memoryMb: 65536, localGb: 500 });
      // Block 0: all at level A; block 1: six empty hosts then level A then fuller; block 2: fuller.
      const level = i >= 32 && i < 38 ? 0 : i < 39 ? 1 : 2;
      hm.setUsage(`u${i}`, { vcpus: 2 * level, memoryMb: 8192 * level, diskGb: 50 * level, numInstances: level });
    }
    const spec = request(new SeededRng('tie').stream('r'), 0, []);
    const mults = Float64Array.from([1, 1, 1, -1e6]);
    const f = { ...noFusedFilters(spec), compute: true, ram: true, core: true, disk: true };
    const outSlot = new Int32Array(7);
    const m = blockDecide(hm.arrays, f, COLS, mults, 7, outSlot, new Float64Array(7), new BlockScratch());
    expect(Array.from(outSlot.subarray(0, m))).toEqual([32, 33, 34, 35, 36, 37, 0]);
    expect(Array.from(outSlot.subarray(0, m))).toEqual(plain(hm, spec, mults, 7).slots);
  });

  it('every kind of write reaches the summary before the next decision', () => {
    const config = novaConfig();
    const cells = [new HostManager(config), new HostManager(config)];
    for (const hm of cells) {
      for (let i = 0; i < 70; i++) {
        hm.upsertComputeNode({ host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 16, memoryMb: 65536, localGb: 500 });
      }
    }
    const [fastCell, refCell] = cells as [HostManager, HostManager];
    const fast = new FilterScheduler(config, new SeededRng('w').stream('scheduler'));
    const ref = new ReferenceScheduler(config, new SeededRng('w').stream('scheduler'));
    const writes: Op[] = [
      (hm) => hm.recordBuildFailure('h0'),
      (hm) => hm.resetBuildFailures('h0'),
      (hm) => hm.setServiceState('h1', { up: false, disabled: false }),
      (hm) => hm.setServiceState('h1', { up: true, disabled: true }),
      (hm) => hm.setServiceState('h1', { up: true, disabled: false }),
      (hm) => hm.setUsage('u2', { vcpus: 200, memoryMb: 60000, diskGb: 400, numInstances: 3 }),
      (hm) => hm.setUsage('u2', { vcpus: 0, memoryMb: 0, diskGb: 0, numInstances: 0 }),
      (hm) => { hm.get('u40')!.memoryMbUsed = 0; hm.get('u40')!.reservedHostMemoryMb = 0; },
      (hm) => { hm.get('u41')!.failedBuilds = 0; },
      (hm) => hm.upsertComputeNode({ host: 'h50', nodename: 'h50', uuid: 'u50', vcpus: 64, memoryMb: 262144, localGb: 2000 }),
      (hm) => hm.removeComputeNode('u50'),
      (hm) => hm.removeComputeNode('u3'),
      (hm) => hm.upsertComputeNode({ host: 'h99', nodename: 'h99', uuid: 'u99', vcpus: 64, memoryMb: 262144, localGb: 2000 }),
    ];
    for (const [i, w] of writes.entries()) {
      for (const hm of cells) {
        w(hm);
        if (i === 7) hm.recordBuildFailure('h41');
      }
      const spec = request(new SeededRng(`write-${i}`).stream('r'), i, []);
      const one = { ...spec, instanceUuids: [`i${i}`], numInstances: 1, availabilityZone: null, ignoreHosts: [] };
      expect(fast.selectDestinations(one, fastCell), `after write ${i}`)
        .toEqual(ref.selectDestinations(structuredClone(one), refCell.hosts()));
      expect(usage(fastCell.hosts())).toEqual(usage(refCell.hosts()));
    }
  });

  it('a block changed by nothing but its failed builds is seen afresh', () => {
    const config = novaConfig();
    const hm = new HostManager(config);
    for (let i = 0; i < 70; i++) {
      hm.upsertComputeNode({ host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 16, memoryMb: 65536, localGb: 500 });
      const level = i < 32 ? 1 : i < 64 ? 0 : 2;
      hm.setUsage(`u${i}`, { vcpus: 2 * level, memoryMb: 8192 * level, diskGb: 50 * level, numInstances: level });
      if (level === 0) hm.recordBuildFailure(`h${i}`);
    }
    const fast = new FilterScheduler(config, new SeededRng('f').stream('scheduler'));
    const one = (i: number): RequestSpec => ({ ...request(new SeededRng('f').stream('r'), i, []), flavor: FLAVORS[0]!,
      instanceUuids: [`i${i}`], numInstances: 1, availabilityZone: null, ignoreHosts: [] });
    expect(fast.selectDestinations(one(0), hm)[0]![0]!.host).toBe('h0');
    for (let i = 32; i < 64; i++) hm.get(`u${i}`)!.failedBuilds = 0;
    expect(fast.selectDestinations(one(1), hm)[0]![0]!.host).toBe('h32');
  });

  it('weighs only the blocks that can still reach the top k', () => {
    // Hosts filling up with slot order: the emptiest are at the front, so later blocks are bounded out.
    const hm = new HostManager(novaConfig());
    for (let i = 0; i < 3200; i++) {
      hm.upsertComputeNode({ host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 32, memoryMb: 131072, localGb: 1000 });
      hm.setUsage(`u${i}`, { vcpus: i % 64, memoryMb: 32 * i, diskGb: Math.floor(i / 8), numInstances: 0 });
    }
    const sc = new BlockScratch();
    const spec = request(new SeededRng('one').stream('r'), 0, []);
    const f = { ...noFusedFilters(spec), compute: true, ram: true, core: true, disk: true };
    const m = blockDecide(hm.arrays, f, COLS, Float64Array.from([1, 1, 1, -1e6]), 7, new Int32Array(7),
      new Float64Array(7), sc);
    expect(m).toBe(7);
    expect(sc.n).toBe(3200);
    expect(sc.visited).toBeLessThan(sc.blocks / 4);
  });

  it('stands aside when a number is NaN, and the scheduler still answers like the plain passes', () => {
    const hm = new HostManager(novaConfig());
    for (let i = 0; i < 40; i++) {
      hm.upsertComputeNode({ host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 8, memoryMb: 16384, localGb: 100 });
    }
    hm.get('u3')!.memoryMbUsed = Number.NaN;
    const spec = request(new SeededRng('nan').stream('r'), 0, []);
    const f = { ...noFusedFilters(spec), compute: true, ram: true, core: true, disk: true };
    expect(blockDecide(hm.arrays, f, COLS, Float64Array.from([1, 1, 1, -1]), 3, new Int32Array(3),
      new Float64Array(3), new BlockScratch())).toBe(-1);
    hm.get('u3')!.memoryMbUsed = 0;
    expect(blockDecide(hm.arrays, f, COLS, Float64Array.from([1, 1, 1, -1]), 3, new Int32Array(3),
      new Float64Array(3), new BlockScratch())).toBe(3);
  });
});
