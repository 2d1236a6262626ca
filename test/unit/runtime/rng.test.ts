/**
 * Rng: a seed fixes every number a run draws; named streams keep consumers from shifting each other's
 * numbers; uuid4 values are well-formed version-4 UUIDs. The pinned values guard simulation replays.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng, entropyRng } from '../../../runtime/rng/index.ts';
import { hex8 } from '../../../runtime/rng/rng.ts';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function draw(rng: SeededRng, stream: string, n = 20): number[] {
  const s = rng.stream(stream);
  return Array.from({ length: n }, () => s.next());
}

describe('SeededRng', () => {
  it('gives the same sequence for the same seed and stream, and a different one otherwise', () => {
    expect(draw(new SeededRng('42'), 'scheduler')).toEqual(draw(new SeededRng('42'), 'scheduler'));
    expect(draw(new SeededRng('42'), 'scheduler')).not.toEqual(draw(new SeededRng('43'), 'scheduler'));
    expect(draw(new SeededRng('42'), 'scheduler')).not.toEqual(draw(new SeededRng('42'), 'workload'));
  });

  it('keeps named streams independent: drawing from one never shifts another', () => {
    const busy = new SeededRng('seed');
    draw(busy, 'faults', 1_000);
    busy.stream('bus').uuid4();
    expect(draw(busy, 'scheduler')).toEqual(draw(new SeededRng('seed'), 'scheduler'));
  });

  it('hands back the same stream object for a name, so its consumers share one sequence', () => {
    const rng = new SeededRng('seed');
    const first = rng.stream('s').next();
    const second = rng.stream('s').next();
    expect([first, second]).toEqual(draw(new SeededRng('seed'), 's', 2));
  });

  it('keeps producing the pinned values (a change here changes every simulation run)', () => {
    const s = new SeededRng('golden').stream('bus');
    expect(s.uuid4()).toBe('001c3003-6f08-4af6-894a-923c763108b1');
    expect(s.uuid4()).toBe('ec0342cb-6b63-4cbc-92ee-d182cbf9c299');
    expect(s.hex(5)).toBe('ef72d7bbc7');
    expect(s.next()).toBe(0.6181150635238737);
    expect(s.int(100)).toBe(70);
    expect(s.uuid4()).toBe('142bb979-f8c0-4174-b9a3-eb7cf4adcea1');
  });

  it('makes well-formed, distinct version-4 uuids', () => {
    const s = new SeededRng('uuids').stream('ids');
    const ids = Array.from({ length: 10_000 }, () => s.uuid4());
    expect(ids.filter((id) => !UUID4.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const variants = new Set(ids.map((id) => id[19]));
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
  });

  it('draws a uuid4 as the digits of hex(16) laid out as a version-4 UUID', () => {
    const u = new SeededRng('layout').stream('s');
    const h = new SeededRng('layout').stream('s');
    for (let i = 0; i < 10_000; i++) {
      const x = h.hex(16);
      const variant = '89ab'[parseInt(x[16]!, 16) & 3]!;
      const want = `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-${variant}${x.slice(17, 20)}-${x.slice(20, 32)}`;
      expect(u.uuid4()).toBe(want);
    }
  });

  it('keeps next, int, hex and pick within their ranges', () => {
    const s = new SeededRng('ranges').stream('r');
    const xs = Array.from({ length: 5_000 }, () => s.next());
    const ks = Array.from({ length: 5_000 }, () => s.int(7));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(ks)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    expect(s.hex(3)).toMatch(/^[0-9a-f]{6}$/);
    expect(s.hex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(['a', 'b', 'c']).toContain(s.pick(['a', 'b', 'c']));
    expect(() => s.pick([])).toThrow(/empty/);
  });

  it('draws exponential variates with the requested mean', () => {
    const s = new SeededRng('exp').stream('arrivals');
    const n = 20_000;
    const xs = Array.from({ length: n }, () => s.exponential(30));
    expect(xs.every((x) => x >= 0)).toBe(true);
    const sum = xs.reduce((a, b) => a + b, 0);
    expect(sum / n).toBeGreaterThan(29);
    expect(sum / n).toBeLessThan(31);
  });
});

describe('entropyRng', () => {
  it('seeds from the OS, so two deployments differ', () => {
    const a = entropyRng();
    const b = entropyRng();
    expect(a.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(a.seed).not.toBe(b.seed);
    expect(a.stream('x').uuid4()).not.toBe(b.stream('x').uuid4());
  });
});

describe('hex8', () => {
  it('formats a u32 as toString(16) padded to 8 digits does', () => {
    const edge = [0, 1, 15, 16, 255, 256, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x0000ffff, 0x00010000, 0xdeadbeef];
    const s = new SeededRng('hex8').stream('x');
    const values = [...edge, ...Array.from({ length: 5000 }, () => Math.floor(s.next() * 4294967296))];
    for (const v of values) expect(hex8(v)).toBe(v.toString(16).padStart(8, '0'));
  });
});
