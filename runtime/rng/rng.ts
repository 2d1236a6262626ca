/**
 * Seeded randomness with named streams (sfc32 seeded by a hash of seed + stream name), so adding a
 * consumer of one stream never shifts the numbers another stream sees. Deterministic uuid4 too.
 */
export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A version-4 UUID built from this stream. */
  uuid4(): string;
  /** `n` random bytes as lowercase hex. */
  hex(nBytes: number): string;
  /** Exponential variate with the given mean. */
  exponential(mean: number): number;
  /** Pick one element. */
  pick<T>(items: readonly T[]): T;
}

export interface Rng {
  readonly seed: string;
  stream(name: string): RandomStream;
}

function xmur3(str: string): () => number {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

/** Two hex digits per byte value: hex8 by table (Number#toString(16) of a u32 above 2^31 goes through fmod). */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `u32` (an integer in [0, 2^32)) as 8 lowercase hex digits: the same as `u32.toString(16).padStart(8, '0')`. */
export function hex8(u32: number): string {
  return HEX_BYTE[u32 >>> 24]! + HEX_BYTE[(u32 >>> 16) & 255]! + HEX_BYTE[(u32 >>> 8) & 255]! + HEX_BYTE[u32 & 255]!;
}

const HEX_CODES = Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));
const VARIANT_CODES = Array.from('89ab', (ch) => ch.charCodeAt(0));
const DASH = '-'.charCodeAt(0);
/** Scratch for uuid4 (one thread, used synchronously). */
const UUID_CODES: number[] = new Array<number>(36).fill(0);

/** Hex digits `from`..`to`-1 of `u32` (digit 0 the most significant) into `out` at `at`. */
function putHex(out: number[], at: number, u32: number, from: number, to: number): void {
  for (let i = from; i < to; i++) out[at++] = HEX_CODES[(u32 >>> (28 - 4 * i)) & 15]!;
}

class Sfc32Stream implements RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const h = xmur3(seed);
    this.a = h();
    this.b = h();
    this.c = h();
    this.d = h();
    for (let i = 0; i < 12; i++) this.u32();
  }

  private u32(): number {
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  hex(nBytes: number): string {
    let s = '';
    for (let i = 0; i < nBytes; i += 4) s += hex8(this.u32());
    return s.slice(0, nBytes * 2);
  }

  uuid4(): string {
    // The digits of four u32 draws: a(8) - b[0..3] - 4 b[5..7] - variant(c[0]) c[1..3] - c[4..7] d(8). Written
    // into one flat string: a template of slices would keep a rope of ~10 pieces per UUID alive (~350
    // bytes instead of ~56), and the simulator keeps millions of them.
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    const o = UUID_CODES;
    putHex(o, 0, a, 0, 8);
    o[8] = DASH;
    putHex(o, 9, b, 0, 4);
    o[13] = DASH;
    o[14] = HEX_CODES[4]!;
    putHex(o, 15, b, 5, 8);
    o[18] = DASH;
    o[19] = VARIANT_CODES[(c >>> 28) & 3]!;
    putHex(o, 20, c, 1, 4);
    o[23] = DASH;
    putHex(o, 24, c, 4, 8);
    putHex(o, 28, d, 0, 8);
    return String.fromCharCode.apply(null, o);
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
}

export class SeededRng implements Rng {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: string) {}

  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new Sfc32Stream(`${this.seed}/${name}`);
      this.streams.set(name, s);
    }
    return s;
  }
}
