/**
 * The scheduler's fused passes over a HostManager's struct of arrays (host-arrays.ts). Pass 1 runs
 * ComputeFilter, RamFilter, CoreFilter and DiskFilter as one predicate per host and, when no other
 * filter follows, gathers each weigher's min and max on the way; pass 2 computes every candidate's
 * normalised, multiplied and summed weight (nova.weights.normalize's arithmetic, in weight_classes
 * order, so the totals are bit-identical to filter-then-weigh) and keeps the top k in the same loop.
 * Filters and weighers outside this set run in their object form, before pass 2 / instead of it.
 */
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
  return [a.freeRam, a.freeVcpus, a.freeDisk, a.failedBuilds];
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
