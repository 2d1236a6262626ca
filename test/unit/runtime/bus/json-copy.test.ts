import { describe, expect, it } from 'vitest';
import { jsonCopy, markWireSafe } from '../../../../runtime/bus/json-copy.ts';

/** The wire's answer: what a receiver gets from a JSON transport. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');

class Point {
  constructor(public x: number, public y: number) {}
  get sum(): number { return this.x + this.y; }
}

describe('jsonCopy', () => {
  const cases: Array<[string, unknown]> = [
    ['primitives', { s: 'a', n: 1.5, t: true, f: false, z: null }],
    ['undefined, functions and symbols are left out of objects, null in arrays', { a: undefined, f: () => 1, s: Symbol('x'), arr: [undefined, () => 1, Symbol('y'), 2] }],
    ['non-finite numbers and -0', { nan: Number.NaN, inf: Infinity, ninf: -Infinity, negz: -0, arr: [Number.NaN, -0] }],
    ['Date through toJSON', { at: new Date(Date.UTC(2026, 11, 6, 1, 2, 3)) }],
    ['toJSON gets its key', { k: { toJSON: (key: string) => `key=${key}` }, arr: [{ toJSON: (key: string) => key }] }],
    ['Map and Set become empty objects', { m: new Map([['a', 1]]), s: new Set([1]) }],
    ['class instance: own enumerable fields only', { p: new Point(1, 2) }],
    ['integer-like keys come first, in order', { b: 1, 10: 'x', a: 2, 2: 'y' }],
    ['nested arrays and objects', { a: [[1, { b: [null, { c: 'd' }] }]], e: {} }],
    ['boxed primitives', { s: new String('x'), n: new Number(3), b: new Boolean(false) }],
    ['boxed NaN and boxed values in arrays', { n: new Number(Number.NaN), arr: [new Number(-0), new String('y')] }],
    ['toJSON applies once: to itself, or to a result that has its own toJSON', {
      self: { a: 1, toJSON() { return this; } },
      twice: { toJSON: () => ({ b: 2, toJSON: () => 'never called' }) },
    }],
    ['an object without a prototype', { units: Object.assign(Object.create(null) as object, { '1': 2, __proto__x: 3 }) }],
    ['"__proto__" as an own key (a flavor may be called that)', JSON.parse('{"__proto__": {"x": 1}, "units": {"__proto__": 3, "1": 4}}')],
  ];
  for (const [name, v] of cases) {
    it(`equals the JSON round trip: ${name}`, () => {
      const got = jsonCopy(v);
      expect(got).toStrictEqual(viaJson(v));
      expect(JSON.stringify(got)).toBe(JSON.stringify(v));
    });
  }

  it('keeps "__proto__" an own member and never sets a prototype with it', () => {
    const units = Object.create(null) as Record<string, unknown>;
    units['__proto__'] = { polluted: true };
    const got = jsonCopy({ units }) as { units: Record<string, unknown> };
    expect(Object.hasOwn(got.units, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(got.units)).toBe(Object.prototype);
    expect((got.units as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('is a snapshot: later changes to the original do not reach the copy, and the other way round', () => {
    const body = { caps: { units: { m1: 3 } }, list: [1] };
    const c = jsonCopy(body) as typeof body;
    body.caps.units.m1 = 0;
    body.list.push(2);
    expect(c).toStrictEqual({ caps: { units: { m1: 3 } }, list: [1] });
    c.caps.units.m1 = 9;
    expect(body.caps.units.m1).toBe(0);
  });

  it('throws on a BigInt and on a cycle, as JSON.stringify does', () => {
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => jsonCopy(a)).toThrow();
  });

  it('hands over a value marked wire-safe as it is, and marks only deep-frozen data JSON gives back unchanged', () => {
    const deepFreeze = <T>(v: T): T => {
      if (typeof v === 'object' && v !== null) {
        for (const x of Object.values(v)) deepFreeze(x);
        Object.freeze(v);
      }
      return v;
    };
    const flavor = deepFreeze({ id: '1', vcpus: 1, extraSpecs: { 'hw:cpu_policy': 'shared' }, tags: ['a', null], on: true });
    expect(markWireSafe(flavor)).toBe(true);
    const got = jsonCopy({ record: { flavor, name: 'vm' } }) as { record: { flavor: unknown; name: string } };
    expect(got.record.flavor).toBe(flavor);
    expect(JSON.stringify(got)).toBe(JSON.stringify({ record: { flavor, name: 'vm' } }));
    // Not such data: each is copied as JSON would rebuild it.
    const refused: object[] = [
      { id: '2' }, // not frozen
      deepFreeze({ id: '3', nested: Object.assign(Object.create(null), { a: 1 }) as object }), // no Object prototype
      deepFreeze({ id: '4', description: undefined }), // JSON leaves the member out
      deepFreeze({ id: '5', ratio: Number.NaN }), // JSON writes null
      deepFreeze({ id: '6', zero: -0 }),
      deepFreeze({ id: '7', when: new Date(0) }), // toJSON
      { id: '8', inner: { notFrozen: true } }, // frozen at the top only
      deepFreeze({ id: '9', list: [1, , 2] }), // a hole: null in JSON
    ];
    Object.freeze(refused[6]);
    for (const v of refused) {
      expect(markWireSafe(v), JSON.stringify(v)).toBe(false);
      const c = jsonCopy({ v }) as { v: unknown };
      expect(c.v).not.toBe(v);
      expect(c).toStrictEqual(JSON.parse(JSON.stringify({ v })));
    }
  });
});

