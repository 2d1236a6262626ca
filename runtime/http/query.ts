/**
 * Query-string reading with OpenStack's quirks: a parameter given twice means its last value (webob's
 * MultiDict.get), and the literal `None` (what the openstack CLI sends for an unset filter, e.g.
 * `?binary=None&host=None`) means the parameter was not given.
 */

/** The shape fastify gives `request.query`. */
export type RawQuery = Readonly<Record<string, string | string[] | undefined>> | unknown;

/** The value the CLI sends for "no value". */
export const NONE_LITERAL = 'None';

/** The object's own property `name` (never one from its prototype, never a getter's result), if any. */
export function ownProperty(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const d = Object.getOwnPropertyDescriptor(obj, name);
  return d && 'value' in d ? d.value : undefined;
}

function valuesOf(query: RawQuery, name: string): string[] {
  const v = ownProperty(query, name);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** Last value of `name`, undefined when absent or `None`. */
export function queryValue(query: RawQuery, name: string): string | undefined {
  const v = valuesOf(query, name).at(-1);
  return v === undefined || v === NONE_LITERAL ? undefined : v;
}

/** Every value of `name` (webob's getall), without `None`s. */
export function queryValues(query: RawQuery, name: string): string[] {
  return valuesOf(query, name).filter((v) => v !== NONE_LITERAL);
}

/** Last value of `name` as sent, `None` included (for APIs where None means something, e.g. is_public). */
export function queryRaw(query: RawQuery, name: string): string | undefined {
  return valuesOf(query, name).at(-1);
}

/** The query with `None` values dropped and each parameter reduced to its last value. */
export function normalizeQuery(query: RawQuery): Record<string, string> {
  const out: Record<string, string> = {};
  if (query === null || typeof query !== 'object') return out;
  for (const name of Object.keys(query)) {
    const v = queryValue(query, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * `table[key]` for a key that came from a request: only the table's own entries, never what its
 * prototype holds (`__proto__`, `constructor`, `hasOwnProperty`, ...).
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A query parameter named after an Object.prototype member (`__proto__`, `hasOwnProperty`, ...), if any. */
export function prototypeQueryName(query: RawQuery): string | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  return Object.keys(query).find((k) => PROTOTYPE_NAMES.has(k));
}
