/**
 * jsonCopy: what `JSON.parse(JSON.stringify(v))` returns, without the text in between. A trusted
 * in-process bus (the simulator's) hands each receiver such a copy instead of a JSON string: the
 * receiver sees exactly what the wire would give it (undefined dropped, `toJSON` applied, NaN → null,
 * a snapshot taken at send time), at a fraction of the cost of writing and parsing the text.
 * Values marked wire-safe (deep-frozen plain data) are passed on as they are.
 */
const OBJECT_PROTOTYPE = Object.prototype;

/**
 * Values a copy may hand over as they are: deep-frozen, and equal to their own JSON copy (see
 * markWireSafe). Nobody can change them, and JSON would rebuild an equal value, so a receiver cannot
 * tell the difference — a flavor or image shared by many instance records is not copied per message.
 */
const WIRE_SAFE = new WeakSet<object>();

export function jsonCopy(v: unknown): unknown {
  return copy(v, '');
}

/**
 * Let jsonCopy pass `v` on uncopied from now on, if it is deep-frozen plain data that JSON gives back
 * unchanged (no undefined members, no NaN or -0, no toJSON, no prototype but Object's). Returns
 * whether it was marked; a value that is not such data is copied as before.
 */
export function markWireSafe(v: object): boolean {
  if (!isFrozenJson(v)) return false;
  WIRE_SAFE.add(v);
  return true;
}

function isFrozenJson(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (!Object.isFrozen(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
      if (Array.isArray(v)) {
        // A hole or an undefined item would be null in JSON; a member that is no index, left out.
        if (Object.keys(v).length !== v.length) return false;
        for (let i = 0; i < v.length; i++) if (v[i] === undefined || !isFrozenJson(v[i])) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== OBJECT_PROTOTYPE || Object.getOwnPropertySymbols(v).length > 0) return false;
      const names = Object.getOwnPropertyNames(v);
      if (names.length !== Object.keys(v).length) return false; // a member JSON would leave out
      return names.every((k) => isFrozenJson((v as Record<string, unknown>)[k]));
    }
    default:
      return false;
  }
}

/** Defines "__proto__" as an own member, as JSON.parse does (an assignment would set the prototype instead). */
function setMember(out: Record<string, unknown>, k: string, x: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
  else out[k] = x;
}

/** `key` is the member name or array index handed to toJSON; an index becomes a string only when a toJSON asks. */
function copy(v: unknown, key: string | number): unknown {
  // toJSON once, as JSON.stringify does (Dates; anything else that defines one, arrays included).
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: (k: string) => unknown }).toJSON(String(key));
  }
  if (typeof v === 'object') return v === null ? null : copyObject(v);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined; // undefined, functions and symbols: JSON leaves them out
  }
}

function copyObject(v: object): unknown {
  if (WIRE_SAFE.has(v)) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const x = copy(v[i], i);
      out[i] = x === undefined ? null : x;
    }
    return out;
  }
  // Boxed primitives are written as their value (a plain or prototype-less object is none of them).
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== OBJECT_PROTOTYPE && proto !== null && (v instanceof Number || v instanceof String || v instanceof Boolean)) return copy(v.valueOf(), '');
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Own enumerable string keys in for-in order, as JSON.stringify takes them.
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = copy(o[k], k);
    if (x !== undefined) setMember(out, k, x);
  }
  return out;
}
