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
    const usableOf = src.usable;
    const ramFit = src.ramFit, coreFit = src.coreFit, diskFit = src.diskFit;
    const w0 = wc[0]!, w1 = wc[1]!, w2 = wc[2]!, w3 = wc[3]!;
    const sub = this.sub;
    let usable = 0;
    let all = 0;
    // NaN anywhere, or an infinite weight, makes the block irregular: x - x is NaN for both.
    let odd = 0;
    let rl = Infinity, rh = -Infinity, cl = Infinity, ch = -Infinity, dl = Infinity, dh = -Infinity;
    let a0 = Infinity, b0 = -Infinity, a1 = Infinity, b1 = -Infinity;
    let a2 = Infinity, b2 = -Infinity, a3 = Infinity, b3 = -Infinity;
    for (let q = 0; q < SUBS; q++) {
      let l0 = Infinity, u0 = -Infinity, l1 = Infinity, u1 = -Infinity;
      let l2 = Infinity, u2 = -Infinity, l3 = Infinity, u3 = -Infinity;
      const qFrom = from + (q << SUB_SHIFT);
      const qTo = Math.min(to, qFrom + (1 << SUB_SHIFT));
      for (let s = qFrom; s < qTo; s++) {
        const bit = 1 << (s - from);
        all |= bit;
        const r = ramFit[s]!, c = coreFit[s]!, d = diskFit[s]!;
        const v0 = w0[s]!, v1 = w1[s]!, v2 = w2[s]!, v3 = w3[s]!;
        if (r !== r || c !== c || d !== d || v0 - v0 !== 0 || v1 - v1 !== 0 || v2 - v2 !== 0 || v3 - v3 !== 0) odd = 1;
        if (usableOf[s] !== 1) continue;
        usable |= bit;
        if (r < rl) rl = r;
        if (r > rh) rh = r;
        if (c < cl) cl = c;
        if (c > ch) ch = c;
        if (d < dl) dl = d;
        if (d > dh) dh = d;
        if (v0 < l0) l0 = v0;
        if (v0 > u0) u0 = v0;
        if (v1 < l1) l1 = v1;
        if (v1 > u1) u1 = v1;
        if (v2 < l2) l2 = v2;
        if (v2 > u2) u2 = v2;
        if (v3 < l3) l3 = v3;
        if (v3 > u3) u3 = v3;
      }
      const e = (b * SUBS + q) * 8;
      sub[e] = l0; sub[e + 1] = u0; sub[e + 2] = l1; sub[e + 3] = u1;
      sub[e + 4] = l2; sub[e + 5] = u2; sub[e + 6] = l3; sub[e + 7] = u3;
      if (l0 < a0) a0 = l0;
      if (u0 > b0) b0 = u0;
      if (l1 < a1) a1 = l1;
      if (u1 > b1) b1 = u1;
      if (l2 < a2) a2 = l2;
      if (u2 > b2) b2 = u2;
      if (l3 < a3) a3 = l3;
      if (u3 > b3) b3 = u3;
    }
    const agg = this.agg;
    const o = b * A_FIELDS;
    agg[o + A_RAM_LO] = rl; agg[o + A_RAM_HI] = rh; agg[o + A_CORE_LO] = cl; agg[o + A_CORE_HI] = ch;
    agg[o + A_DISK_LO] = dl; agg[o + A_DISK_HI] = dh;
    agg[o + A_W] = a0; agg[o + A_W + 1] = b0; agg[o + A_W + 2] = a1; agg[o + A_W + 3] = b1;
    agg[o + A_W + 4] = a2; agg[o + A_W + 5] = b2; agg[o + A_W + 6] = a3; agg[o + A_W + 7] = b3;
    this.usableMask[b] = usable;
    this.allMask[b] = all;
    if (odd !== this.irregular[b]) {
      this.irregular[b] = odd;
      this.irregularCount += odd === 1 ? 1 : -1;
    }
  }
}
