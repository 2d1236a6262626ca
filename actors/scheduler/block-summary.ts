/**
 * BlockSummary: HostArrays' slots in blocks of 32 (one FitIndex bitset word each), with, per block,
 * the minimum and maximum over its usable hosts (service up, not disabled) of the three fit numbers
 * and the four weight columns, a bitmask of the usable slots and one of the slots in use. Writes
 * only mark their block dirty; `flush()` recomputes the dirty blocks before a decision reads them.
 *
 * With it a scheduling decision (fused-pass.ts's blockDecide) takes a whole block's hosts as passing
 * when the block's minimum fit numbers allow the request, and a block's weight extremes bound the
 * total any of its hosts can reach, so hosts that cannot make the top k are never visited.
 * A block holding a NaN in any of these numbers, or an infinite weight, is `irregular`: the fast
 * decision then stands aside and the plain passes run (their comparisons define what NaN does).
 */

export const BLOCK_SHIFT = 5;
export const BLOCK = 1 << BLOCK_SHIFT;

/** Fields of one block in `agg`: min/max of ramFit, coreFit, diskFit, then of the weight columns. */
export const A_RAM_LO = 0;
export const A_RAM_HI = 1;
export const A_CORE_LO = 2;
export const A_CORE_HI = 3;
export const A_DISK_LO = 4;
export const A_DISK_HI = 5;
/** Weight column c (W_RAM, W_CPU, W_DISK, W_FAIL) has its min at A_W + 2c, max at A_W + 2c + 1. */
export const A_W = 6;
export const A_FIELDS = 14;
/** Sub-blocks of 8 slots (4 per block): min/max of each weight column at 8q + 2c, 8q + 2c + 1. */
export const SUB_SHIFT = 3;
export const SUBS = BLOCK >>> SUB_SHIFT;

/** The per-slot arrays a summary reads (HostArrays' fields). */
export interface SummarySource {
  size: number;
  usable: Uint8Array;
  ramFit: Float64Array;
  coreFit: Float64Array;
  diskFit: Float64Array;
  /** In W_RAM, W_CPU, W_DISK, W_FAIL order. */
  weightColumns(): Float64Array[];
}

export class BlockSummary {
  /** Blocks covering the slots in use. */
  blocks = 0;
  agg: Float64Array = new Float64Array(0);
  /** Per sub-block of 8 slots, over its usable slots: the weight columns' min and max (8 numbers). */
  sub: Float64Array = new Float64Array(0);
  usableMask: Int32Array = new Int32Array(0);
  allMask: Int32Array = new Int32Array(0);
  /** Blocks holding a NaN fit or weight, or an infinite weight. */
  irregularCount = 0;
  private irregular: Uint8Array = new Uint8Array(0);
  private dirty: Uint8Array = new Uint8Array(0);
  private dirtyList: Int32Array = new Int32Array(0);
  private dirtyCount = 0;

  grow(cap: number): void {
    const nb = (cap + BLOCK - 1) >>> BLOCK_SHIFT;
    if (nb <= this.dirty.length) return;
    const agg = new Float64Array(nb * A_FIELDS);
    agg.set(this.agg);
    this.agg = agg;
    const sub = new Float64Array(nb * SUBS * 8);
    sub.set(this.sub);
    this.sub = sub;
    const i32 = (a: Int32Array): Int32Array => {
      const n = new Int32Array(nb);
      n.set(a);
      return n;
    };
    this.usableMask = i32(this.usableMask);
    this.allMask = i32(this.allMask);
    const u8 = (a: Uint8Array): Uint8Array => {
      const n = new Uint8Array(nb);
      n.set(a);
      return n;
    };
    this.irregular = u8(this.irregular);
    this.dirty = u8(this.dirty);
    const list = new Int32Array(nb);
    list.set(this.dirtyList.subarray(0, this.dirtyCount));
    this.dirtyList = list;
  }

  /** Slot s changed (any of its numbers, its service state, or it came or went). */
  touch(s: number): void {
    const b = s >>> BLOCK_SHIFT;
    if (this.dirty[b] === 1) return;
    this.dirty[b] = 1;
    this.dirtyList[this.dirtyCount++] = b;
  }

  /** Every block from slot s up to slot end (exclusive) changed (a removal moved slots down). */
  touchRange(s: number, end: number): void {
    for (let b = s >>> BLOCK_SHIFT; b << BLOCK_SHIFT < end; b++) this.touch(b << BLOCK_SHIFT);
  }

  /** Recompute the dirty blocks; after this, every field describes the slots as they are. */
  flush(src: SummarySource): void {
    this.blocks = (src.size + BLOCK - 1) >>> BLOCK_SHIFT;
    if (this.dirtyCount === 0) return;
    const wc = src.weightColumns();
    for (let j = 0; j < this.dirtyCount; j++) {
      const b = this.dirtyList[j]!;
      this.dirty[b] = 0;
      this.recompute(src, wc, b);
    }
    this.dirtyCount = 0;
  }

  private recompute(src: SummarySource, wc: Float64Array[], b: number): void {
    const from = b << BLOCK_SHIFT;
    const to = Math.min(src.size, from + BLOCK);
    const o = b * A_FIELDS;
    const agg = this.agg;
    for (let f = 0; f < A_FIELDS; f += 2) {
      agg[o + f] = Infinity;
      agg[o + f + 1] = -Infinity;
    }
    let usable = 0;
    let all = 0;
    let odd = false;
    const fits = [src.ramFit, src.coreFit, src.diskFit];
    const sub = this.sub;
    for (let f = b * SUBS * 8; f < (b + 1) * SUBS * 8; f += 2) {
      sub[f] = Infinity;
      sub[f + 1] = -Infinity;
    }
    for (let s = from; s < to; s++) {
      const bit = 1 << (s - from);
      all |= bit;
      for (let f = 0; f < 3; f++) if (Number.isNaN(fits[f]![s]!)) odd = true;
      for (let c = 0; c < 4; c++) if (!Number.isFinite(wc[c]![s]!)) odd = true;
      if (src.usable[s] !== 1) continue;
      usable |= bit;
      for (let f = 0; f < 3; f++) {
        const v = fits[f]![s]!;
        if (v < agg[o + 2 * f]!) agg[o + 2 * f] = v;
        if (v > agg[o + 2 * f + 1]!) agg[o + 2 * f + 1] = v;
      }
      const q = (s >>> SUB_SHIFT) * 8;
      for (let c = 0; c < 4; c++) {
        const v = wc[c]![s]!;
        if (v < agg[o + A_W + 2 * c]!) agg[o + A_W + 2 * c] = v;
        if (v > agg[o + A_W + 2 * c + 1]!) agg[o + A_W + 2 * c + 1] = v;
        if (v < sub[q + 2 * c]!) sub[q + 2 * c] = v;
        if (v > sub[q + 2 * c + 1]!) sub[q + 2 * c + 1] = v;
      }
    }
    this.usableMask[b] = usable;
    this.allMask[b] = all;
    const was = this.irregular[b] === 1;
    if (odd !== was) {
      this.irregular[b] = odd ? 1 : 0;
      this.irregularCount += odd ? 1 : -1;
    }
  }
}
