/**
 * The scheduler's fused passes over a HostManager's struct of arrays (host-arrays.ts). Pass 1 runs
 * ComputeFilter, RamFilter, CoreFilter and DiskFilter as one predicate per host and, when no other
 * filter follows, gathers each weigher's min and max on the way; pass 2 computes every candidate's
 * normalised, multiplied and summed weight (nova.weights.normalize's arithmetic, in weight_classes
 * order, so the totals are bit-identical to filter-then-weigh) and keeps the top k in the same loop.
 * Filters and weighers outside this set run in their object form, before pass 2 / instead of it.
 */
import { A_CORE_HI, A_CORE_LO, A_DISK_HI, A_DISK_LO, A_FIELDS, A_RAM_HI, A_RAM_LO, A_W } from './block-summary.ts';
import { CORE, DISK, RAM, type HostArrays } from './host-arrays.ts';
import type { HostFilter } from './filters/base.ts';
import { ComputeFilter } from './filters/compute-filter.ts';
import { CoreFilter } from './filters/core-filter.ts';
import { DiskFilter } from './filters/disk-filter.ts';
import { RamFilter } from './filters/ram-filter.ts';
import type { HostWeigher } from './weighers/base.ts';
import { BuildFailureWeigher } from './weighers/build-failure-weigher.ts';
import { CPUWeigher } from './weighers/cpu-weigher.ts';
import { DiskWeigher } from './weighers/disk-weigher.ts';
import { RAMWeigher } from './weighers/ram-weigher.ts';
import { requestedDiskMb } from './host-state.ts';
import type { RequestSpec } from './types.ts';

/** Weight columns of HostArrays a fused weigher reads. */
export const W_RAM = 0;
export const W_CPU = 1;
export const W_DISK = 2;
export const W_FAIL = 3;

/** Which of the four fusable filters one filtering step applies, and the request's amounts. */
export interface FusedFilters {
  compute: boolean;
  ram: boolean;
  core: boolean;
  disk: boolean;
  ramMb: number;
  vcpus: number;
  diskMb: number;
}

/** Fusable filter kinds by class (a subclass may change the rule, so only the class itself). */
export function fusedFilterKind(f: HostFilter): 'compute' | 'ram' | 'core' | 'disk' | null {
  const c = (f as object).constructor;
  if (c === ComputeFilter) return 'compute';
  if (c === RamFilter) return 'ram';
  if (c === CoreFilter) return 'core';
  if (c === DiskFilter) return 'disk';
  return null;
}

/** The weight column a weigher reads, or -1 if it must run in object form. */
export function fusedWeigherColumn(w: HostWeigher): number {
  const c = (w as object).constructor;
  if (c === RAMWeigher) return W_RAM;
  if (c === CPUWeigher) return W_CPU;
  if (c === DiskWeigher) return W_DISK;
  if (c === BuildFailureWeigher) return W_FAIL;
  return -1;
}

export function noFusedFilters(spec: RequestSpec): FusedFilters {
  return {
    compute: false, ram: false, core: false, disk: false,
    ramMb: spec.flavor.memoryMb, vcpus: spec.flavor.vcpus, diskMb: requestedDiskMb(spec.flavor),
  };
}

export function weightColumns(a: HostArrays): Float64Array[] {
  return a.weightColumns();
}

/**
 * Pass 1. With `all`, the candidates are every slot (through the FitIndex when it cuts the scan);
 * otherwise idx[0..n). Writes the kept slots to idx in slot order and returns how many. With
 * `mm` (8 numbers: min, max per weight column in `cols`), also gathers the kept hosts' min and max.
 */
export function fusedFilter(a: HostArrays, idx: Int32Array, n: number, all: boolean, f: FusedFilters,
  mm: Float64Array | null, cols: Int32Array): number {
  const usable = a.usable;
  const ramFit = a.ramFit;
  const coreFit = a.coreFit;
  const diskFit = a.diskFit;
  const { compute, ram, core, disk, ramMb: R, vcpus: C, diskMb: D } = f;
  const wc = weightColumns(a);
  const nc = mm === null ? 0 : Math.min(4, cols.length);
  const c0 = wc[nc > 0 ? cols[0]! : 0]!;
  const c1 = wc[nc > 1 ? cols[1]! : 0]!;
  const c2 = wc[nc > 2 ? cols[2]! : 0]!;
  const c3 = wc[nc > 3 ? cols[3]! : 0]!;
  let lo0 = Infinity, hi0 = -Infinity, lo1 = Infinity, hi1 = -Infinity;
  let lo2 = Infinity, hi2 = -Infinity, lo3 = Infinity, hi3 = -Infinity;
  let kept = 0;
  let from = n;
  let scan = !all;
  if (all) {
    const bits = narrowest(a, f);
    if (bits !== null) {
      // The index's candidates, in slot order, then filtered like any list.
      from = 0;
      const words = (a.size + 31) >>> 5;
      for (let w = 0; w < words; w++) {
        let word = bits[w]!;
        while (word !== 0) {
          const low = word & -word;
          idx[from++] = (w << 5) + 31 - Math.clz32(low);
          word ^= low;
        }
      }
      scan = true;
    }
  }
  // Flags folded into bounds: a filter that is off compares against -Infinity / +Infinity.
  const needUsable = compute ? 1 : 0;
  const end = scan ? from : a.size;
  for (let i = 0; i < end; i++) {
    const k = scan ? idx[i]! : i;
    if (usable[k]! < needUsable) continue;
    if (ram && !(ramFit[k]! >= R)) continue;
    if (core && !(coreFit[k]! >= C)) continue;
    if (disk && !(diskFit[k]! >= D)) continue;
    idx[kept++] = k;
    if (nc === 0) continue;
    const v0 = c0[k]!;
    if (v0 < lo0) lo0 = v0;
    if (v0 > hi0) hi0 = v0;
    if (nc === 1) continue;
    const v1 = c1[k]!;
    if (v1 < lo1) lo1 = v1;
    if (v1 > hi1) hi1 = v1;
    if (nc === 2) continue;
    const v2 = c2[k]!;
    if (v2 < lo2) lo2 = v2;
    if (v2 > hi2) hi2 = v2;
    if (nc === 3) continue;
    const v3 = c3[k]!;
    if (v3 < lo3) lo3 = v3;
    if (v3 > hi3) hi3 = v3;
  }
  if (mm !== null) {
    mm[0] = lo0; mm[1] = hi0; mm[2] = lo1; mm[3] = hi1;
    mm[4] = lo2; mm[5] = hi2; mm[6] = lo3; mm[7] = hi3;
  }
  return kept;
}

/**
 * The FitIndex bitset that rules out the most hosts for this request, or null when a plain scan is
 * cheaper (the best one still holds more than half the hosts).
 */
function narrowest(a: HostArrays, f: FusedFilters): Uint32Array | null {
  const ix = a.index;
  let best: Uint32Array | null = null;
  let bestCount = a.size >>> 1;
  const consider = (r: number, need: number): void => {
    const b = ix.level(r, need);
    if (b < 0) return;
    const c = ix.counts[r]![b]!;
    if (c < bestCount) {
      bestCount = c;
      best = ix.bits[r]![b]!;
    }
  };
  if (f.ram) consider(RAM, f.ramMb);
  if (f.core) consider(CORE, f.vcpus);
  if (f.disk) consider(DISK, f.diskMb);
  return best;
}

/** Min and max of each listed weight column over idx[0..n) (when pass 1 could not gather them). */
export function minMax(a: HostArrays, idx: Int32Array, n: number, cols: Int32Array, mm: Float64Array): void {
  const wc = weightColumns(a);
  for (let j = 0; j < cols.length && j < 4; j++) {
    const c = wc[cols[j]!]!;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = c[idx[i]!]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    mm[2 * j] = lo;
    mm[2 * j + 1] = hi;
  }
}

/**
 * Pass 2: total[i] = sum over the weighers (in order) of multiplier * (v - min) / (max - min), the
 * weighers whose values are all equal or whose multiplier is 0 adding nothing, as in
 * weighers/base.ts; and the k best positions, best first, equal totals in host order (topK's rule).
 * `act*` describe at most four active weighers: column, multiplier, min, range.
 */
export function weighAndRank(a: HostArrays, idx: Int32Array, n: number, actCols: Int32Array, actCount: number,
  actMult: Float64Array, actMin: Float64Array, actRange: Float64Array, total: Float64Array, k: number,
  outPos: Int32Array, outW: Float64Array): number {
  const wc = weightColumns(a);
  const W = actCount;
  const c0 = wc[W > 0 ? actCols[0]! : 0]!, m0 = actMult[0]!, n0 = actMin[0]!, r0 = actRange[0]!;
  const c1 = wc[W > 1 ? actCols[1]! : 0]!, m1 = actMult[1]!, n1 = actMin[1]!, r1 = actRange[1]!;
  const c2 = wc[W > 2 ? actCols[2]! : 0]!, m2 = actMult[2]!, n2 = actMin[2]!, r2 = actRange[2]!;
  const c3 = wc[W > 3 ? actCols[3]! : 0]!, m3 = actMult[3]!, n3 = actMin[3]!, r3 = actRange[3]!;
  let m = 0;
  let floor = -Infinity;
  for (let i = 0; i < n; i++) {
    const h = idx[i]!;
    let t = 0;
    if (W > 0) {
      t = t + m0 * ((c0[h]! - n0) / r0);
      if (W > 1) {
        t = t + m1 * ((c1[h]! - n1) / r1);
        if (W > 2) {
          t = t + m2 * ((c2[h]! - n2) / r2);
          if (W > 3) t = t + m3 * ((c3[h]! - n3) / r3);
        }
      }
    }
    total[i] = t;
    if (m === k && !(t > floor)) continue;
    let p = m < k ? m : k - 1;
    while (p > 0 && outW[p - 1]! < t) {
      outPos[p] = outPos[p - 1]!;
      outW[p] = outW[p - 1]!;
      p--;
    }
    outPos[p] = i;
    outW[p] = t;
    if (m < k) m++;
    if (m === k) floor = outW[k - 1]!;
  }
  return m;
}

/**
 * Scratch of blockDecide, reused from one decision to the next (and read by blockOrder while the
 * decision's candidates are still being claimed).
 */
export class BlockScratch {
  /** Per block: the slots that pass the filters (bit i: slot 32b + i). */
  pass: Int32Array = new Int32Array(0);
  /** Per block, per weight column c: min at 8b + 2c, max at 8b + 2c + 1, over the passing slots. */
  ext: Float64Array = new Float64Array(0);
  /** Per block: the highest total any of its passing hosts can reach. */
  bound: Float64Array = new Float64Array(0);
  /** Per block: the decision (epoch) that last weighed it. */
  seen: Int32Array = new Int32Array(0);
  epoch = 0;
  readonly seedB = new Int32Array(SEEDS);
  readonly seedU = new Float64Array(SEEDS);
  /** Min and max per weight column over all passing hosts (8 numbers). */
  readonly mm = new Float64Array(8);
  /** The active weighers of the decision: column, multiplier, min, range. */
  readonly actCols = new Int32Array(4);
  readonly actMult = new Float64Array(4);
  readonly actMin = new Float64Array(4);
  readonly actRange = new Float64Array(4);
  actCount = 0;
  blocks = 0;
  /** Hosts that pass. */
  n = 0;
  /** Blocks whose hosts pass pass 2 visited (for tests and the bench). */
  visited = 0;

  /** The arrays of the last decision. */
  arrays: HostArrays | null = null;

  /** Every passing host of the last decision, best first (blockOrder). */
  order(): Int32Array {
    return blockOrder(this.arrays!, this);
  }

  ensure(blocks: number): void {
    if (this.pass.length >= blocks) return;
    const cap = Math.max(blocks, this.pass.length * 2, 8);
    this.pass = new Int32Array(cap);
    this.ext = new Float64Array(cap * 8);
    this.bound = new Float64Array(cap);
    this.seen = new Int32Array(cap);
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * One whole single-instance decision over every host, when the only filters are the fused ones
 * and every weigher is fused: what fusedFilter, then weighAndRank, choose, without visiting most
 * hosts. Phase 1 goes block by block (BlockSummary): a block whose usable hosts all fit (its
 * minimum fit numbers allow the request) passes whole and gives its min/max from the summary; one
 * where none can fit is skipped; the others are scanned, through the FitIndex's words. Phase 2
 * bounds each block's best total from its min/max (the total's arithmetic is monotone in each
 * weight, rounding included, so the bound is exact) and weighs the hosts of the best block first,
 * then of every block whose bound can still beat the k-th best. Writes the k best slots, best
 * first (equal totals in slot order), to outSlot/outW; returns how many, or -1 when the summary is
 * irregular (NaN or infinite numbers) and the plain passes must run. `cols`/`mults`: the weighers'
 * columns and multipliers in weight_classes order.
 */
export function blockDecide(a: HostArrays, f: FusedFilters, cols: Int32Array, mults: Float64Array, k: number,
  outSlot: Int32Array, outW: Float64Array, sc: BlockScratch): number {
  const bs = a.blocks;
  bs.flush(a);
  if (bs.irregularCount > 0) return -1;
  const nb = bs.blocks;
  sc.ensure(nb);
  sc.arrays = a;
  sc.blocks = nb;
  sc.visited = 0;
  const n = blockFilter(a, f, sc);
  sc.n = n;
  if (n === 0 || k <= 0) return 0;
  // The active weighers, as fusedRank picks them.
  const mm = sc.mm;
  let W = 0;
  for (let j = 0; j < cols.length && j < 4; j++) {
    const c = cols[j]!;
    const mult = mults[j]!;
    const lo = mm[2 * c]!;
    const hi = mm[2 * c + 1]!;
    if (mult === 0 || lo === hi) continue;
    sc.actCols[W] = c;
    sc.actMult[W] = mult;
    sc.actMin[W] = lo;
    sc.actRange[W] = hi - lo;
    W++;
  }
  sc.actCount = W;
  return blockRank(a, sc, k, outSlot, outW, f.compute);
}

/** Phase 1: the passing slots of each block, their count, and the min/max of each weight column. */
function blockFilter(a: HostArrays, f: FusedFilters, sc: BlockScratch): number {
  const bs = a.blocks;
  const nb = bs.blocks;
  const agg = bs.agg;
  const usableMask = bs.usableMask;
  const allMask = bs.allMask;
  const { compute, ram, core, disk, ramMb: R, vcpus: C, diskMb: D } = f;
  const ix = a.index;
  const rl = ram ? ix.level(RAM, R) : -1;
  const cl = core ? ix.level(CORE, C) : -1;
  const dl = disk ? ix.level(DISK, D) : -1;
  const rbits = rl >= 0 ? ix.bits[RAM]![rl]! : null;
  const cbits = cl >= 0 ? ix.bits[CORE]![cl]! : null;
  const dbits = dl >= 0 ? ix.bits[DISK]![dl]! : null;
  const ramFit = a.ramFit;
  const coreFit = a.coreFit;
  const diskFit = a.diskFit;
  const wc = a.weightColumns();
  const w0 = wc[0]!, w1 = wc[1]!, w2 = wc[2]!, w3 = wc[3]!;
  const pass = sc.pass;
  const ext = sc.ext;
  let g0 = Infinity, h0 = -Infinity, g1 = Infinity, h1 = -Infinity;
  let g2 = Infinity, h2 = -Infinity, g3 = Infinity, h3 = -Infinity;
  let n = 0;
  for (let b = 0; b < nb; b++) {
    const base = compute ? usableMask[b]! : allMask[b]!;
    pass[b] = 0;
    if (base === 0) continue;
    const o = b * A_FIELDS;
    const e = b * 8;
    let mask = 0;
    let l0 = Infinity, u0 = -Infinity, l1 = Infinity, u1 = -Infinity;
    let l2 = Infinity, u2 = -Infinity, l3 = Infinity, u3 = -Infinity;
    let whole = false;
    // The summary covers every candidate slot of the block: its bounds decide for all of them.
    if (compute || usableMask[b] === allMask[b]) {
      if ((ram && !(agg[o + A_RAM_HI]! >= R)) || (core && !(agg[o + A_CORE_HI]! >= C)) ||
        (disk && !(agg[o + A_DISK_HI]! >= D))) continue;
      if ((!ram || agg[o + A_RAM_LO]! >= R) && (!core || agg[o + A_CORE_LO]! >= C) &&
        (!disk || agg[o + A_DISK_LO]! >= D)) {
        whole = true;
        mask = base;
        n += popcount(base);
        l0 = agg[o + A_W]!; u0 = agg[o + A_W + 1]!; l1 = agg[o + A_W + 2]!; u1 = agg[o + A_W + 3]!;
        l2 = agg[o + A_W + 4]!; u2 = agg[o + A_W + 5]!; l3 = agg[o + A_W + 6]!; u3 = agg[o + A_W + 7]!;
      }
    }
    // Otherwise the slots the fit index leaves in are checked one by one.
    let cand = whole ? 0 : base;
    if (rbits !== null) cand &= rbits[b]!;
    if (cbits !== null) cand &= cbits[b]!;
    if (dbits !== null) cand &= dbits[b]!;
    const first = b << 5;
    while (cand !== 0) {
      const low = cand & -cand;
      cand ^= low;
      const s = first + 31 - Math.clz32(low);
      if (ram && !(ramFit[s]! >= R)) continue;
      if (core && !(coreFit[s]! >= C)) continue;
      if (disk && !(diskFit[s]! >= D)) continue;
      mask |= low;
      n++;
      const v0 = w0[s]!, v1 = w1[s]!, v2 = w2[s]!, v3 = w3[s]!;
      if (v0 < l0) l0 = v0;
      if (v0 > u0) u0 = v0;
      if (v1 < l1) l1 = v1;
      if (v1 > u1) u1 = v1;
      if (v2 < l2) l2 = v2;
      if (v2 > u2) u2 = v2;
      if (v3 < l3) l3 = v3;
      if (v3 > u3) u3 = v3;
    }
    if (mask === 0) continue;
    pass[b] = mask;
    ext[e] = l0; ext[e + 1] = u0; ext[e + 2] = l1; ext[e + 3] = u1;
    ext[e + 4] = l2; ext[e + 5] = u2; ext[e + 6] = l3; ext[e + 7] = u3;
    if (l0 < g0) g0 = l0;
    if (u0 > h0) h0 = u0;
    if (l1 < g1) g1 = l1;
    if (u1 > h1) h1 = u1;
    if (l2 < g2) g2 = l2;
    if (u2 > h2) h2 = u2;
    if (l3 < g3) g3 = l3;
    if (u3 > h3) h3 = u3;
  }
  const mm = sc.mm;
  mm[0] = g0; mm[1] = h0; mm[2] = g1; mm[3] = h1;
  mm[4] = g2; mm[5] = h2; mm[6] = g3; mm[7] = h3;
  return n;
}

/** Blocks weighed first, best bound first, so the k-th best total is high before the others. */
const SEEDS = 4;

/**
 * Phase 2: each block's bound; the hosts of the SEEDS best-bounded blocks first, then those of
 * every other block (in slot order) whose bound can still reach the top k; within a block, the
 * sub-blocks of 8 whose own bound can. A bound equal to the k-th best total still counts when the
 * block holds slots before the k-th best's (equal totals go in slot order).
 */
function blockRank(a: HostArrays, sc: BlockScratch, k: number, outSlot: Int32Array, outW: Float64Array,
  compute: boolean): number {
  const nb = sc.blocks;
  const pass = sc.pass;
  const ext = sc.ext;
  const bound = sc.bound;
  const seen = sc.seen;
  const epoch = ++sc.epoch;
  const sub = a.blocks.sub;
  const usableMask = a.blocks.usableMask;
  const allMask = a.blocks.allMask;
  const W = sc.actCount;
  const wc = a.weightColumns();
  const ac = sc.actCols, am = sc.actMult, an = sc.actMin, ar = sc.actRange;
  const c0 = W > 0 ? ac[0]! : 0, m0 = am[0]!, n0 = an[0]!, r0 = ar[0]!;
  const c1 = W > 1 ? ac[1]! : 0, m1 = am[1]!, n1 = an[1]!, r1 = ar[1]!;
  const c2 = W > 2 ? ac[2]! : 0, m2 = am[2]!, n2 = an[2]!, r2 = ar[2]!;
  const c3 = W > 3 ? ac[3]! : 0, m3 = am[3]!, n3 = an[3]!, r3 = ar[3]!;
  // The extreme of each active column that maximises its term: the max for a positive multiplier.
  const x0 = m0 > 0 ? 2 * c0 + 1 : 2 * c0, x1 = m1 > 0 ? 2 * c1 + 1 : 2 * c1;
  const x2 = m2 > 0 ? 2 * c2 + 1 : 2 * c2, x3 = m3 > 0 ? 2 * c3 + 1 : 2 * c3;
  // A division-free estimate of a host's total, with `slack` far above the rounding of both it
  // and the exact total (each within a few ulps of the sum of |multipliers|, the weights of passing
  // hosts being normalised into [0, 1]): a host whose estimate is below the k-th best total cannot
  // enter, and its exact total (four divisions) is not computed. Inactive terms weigh 0.
  const k0 = W > 0 ? m0 / r0 : 0, k1 = W > 1 ? m1 / r1 : 0, k2 = W > 2 ? m2 / r2 : 0, k3 = W > 3 ? m3 / r3 : 0;
  const z0 = W > 0 ? n0 : 0, z1 = W > 1 ? n1 : 0, z2 = W > 2 ? n2 : 0, z3 = W > 3 ? n3 : 0;
  let sum = 0;
  for (let j = 0; j < W; j++) sum += Math.abs(am[j]!);
  const slack = sum * 2 ** -40;
  const seedB = sc.seedB;
  const seedU = sc.seedU;
  let seeds = 0;
  for (let b = 0; b < nb; b++) {
    if (pass[b] === 0) continue;
    // The same expression as a host's total, term by term, each term at its block maximum.
    const e = b * 8;
    let ub: number;
    ub = 0;
    if (W > 0) {
      ub = ub + m0 * ((ext[e + x0]! - n0) / r0);
      if (W > 1) {
        ub = ub + m1 * ((ext[e + x1]! - n1) / r1);
        if (W > 2) {
          ub = ub + m2 * ((ext[e + x2]! - n2) / r2);
          if (W > 3) ub = ub + m3 * ((ext[e + x3]! - n3) / r3);
        }
      }
    }
    const t = ub;
    bound[b] = t;
    if (seeds === SEEDS && !(t > seedU[SEEDS - 1]!)) continue;
    let p = seeds < SEEDS ? seeds++ : SEEDS - 1;
    while (p > 0 && seedU[p - 1]! < t) {
      seedB[p] = seedB[p - 1]!;
      seedU[p] = seedU[p - 1]!;
      p--;
    }
    seedB[p] = b;
    seedU[p] = t;
  }
  const v0 = wc[c0]!, v1 = wc[c1]!, v2 = wc[c2]!, v3 = wc[c3]!;
  let m = 0;
  let floor = -Infinity;
  let floorSlot = -1;
  let visited = 0;
  for (let step = 0; step < seeds + nb; step++) {
    const b = step < seeds ? seedB[step]! : step - seeds;
    const all = pass[b]!;
    if (all === 0 || seen[b] === epoch) continue;
    seen[b] = epoch;
    if (m === k) {
      const ub = bound[b]!;
      if (ub < floor || (ub === floor && b << 5 > floorSlot)) continue;
    }
    visited++;
    // The sub-blocks' extremes cover the passing slots when those are all usable.
    const subs = compute || usableMask[b] === allMask[b];
    for (let q = 0; q < 4; q++) {
      let mask = (all >>> (q << 3)) & 0xff;
      if (mask === 0) continue;
      const first = (b << 5) + (q << 3);
      if (m === k && subs) {
        const e = (b * 4 + q) * 8;
        let ub: number;
        ub = 0;
        if (W > 0) {
          ub = ub + m0 * ((sub[e + x0]! - n0) / r0);
          if (W > 1) {
            ub = ub + m1 * ((sub[e + x1]! - n1) / r1);
            if (W > 2) {
              ub = ub + m2 * ((sub[e + x2]! - n2) / r2);
              if (W > 3) ub = ub + m3 * ((sub[e + x3]! - n3) / r3);
            }
          }
        }
        if (ub < floor || (ub === floor && first > floorSlot)) continue;
      }
      while (mask !== 0) {
        const low = mask & -mask;
        mask ^= low;
        const s = first + 31 - Math.clz32(low);
        if (m === k && slack + k0 * (v0[s]! - z0) + k1 * (v1[s]! - z1) + k2 * (v2[s]! - z2) +
          k3 * (v3[s]! - z3) < floor) continue;
        let t = 0;
        if (W > 0) {
          t = t + m0 * ((v0[s]! - n0) / r0);
          if (W > 1) {
            t = t + m1 * ((v1[s]! - n1) / r1);
            if (W > 2) {
              t = t + m2 * ((v2[s]! - n2) / r2);
              if (W > 3) t = t + m3 * ((v3[s]! - n3) / r3);
            }
          }
        }
        if (m === k && (t < floor || (t === floor && s > floorSlot))) continue;
        let p = m < k ? m : k - 1;
        while (p > 0 && (outW[p - 1]! < t || (outW[p - 1] === t && outSlot[p - 1]! > s))) {
          outSlot[p] = outSlot[p - 1]!;
          outW[p] = outW[p - 1]!;
          p--;
        }
        outSlot[p] = s;
        outW[p] = t;
        if (m < k) m++;
        if (m === k) {
          floor = outW[k - 1]!;
          floorSlot = outSlot[k - 1]!;
        }
      }
    }
  }
  sc.visited = visited;
  return m;
}

/**
 * Every passing host of the last blockDecide, best first (equal totals in slot order): the rest of
 * the order when claims were refused past its top k. Rare, so a plain sort.
 */
export function blockOrder(a: HostArrays, sc: BlockScratch): Int32Array {
  const slots = new Int32Array(sc.n);
  const totals = new Float64Array(a.size);
  const wc = a.weightColumns();
  let j = 0;
  for (let b = 0; b < sc.blocks; b++) {
    let mask = sc.pass[b]!;
    while (mask !== 0) {
      const low = mask & -mask;
      mask ^= low;
      const s = (b << 5) + 31 - Math.clz32(low);
      let t = 0;
      for (let w = 0; w < sc.actCount; w++) {
        t = t + sc.actMult[w]! * ((wc[sc.actCols[w]!]![s]! - sc.actMin[w]!) / sc.actRange[w]!);
      }
      totals[s] = t;
      slots[j++] = s;
    }
  }
  return slots.sort((x, y) => totals[y]! - totals[x]! || x - y);
}
