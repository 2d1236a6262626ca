/**
 * Turns zod's issues into operator-facing messages: "expected a whole number, got the string "4x"",
 * "required: expected a list", "unknown key "hots"; did you mean "hosts"?". Schemas carry their own
 * messages for domain rules; this error map covers the generic type and range errors.
 */
import { z } from 'zod';
import type { PathIssue, PathSegment } from './errors.ts';
import { unknownNovaKeyMessage } from './nova-options.ts';
import { expectedOneOf } from './suggest.ts';

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
  null: 'an empty value',
};

/** How a wrong value reads in a message; strings are cut short so a pasted secret is not echoed whole. */
function describe(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return `the string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 37)}...` : input)}`;
    case 'number':
    case 'boolean':
      return String(input);
    case 'object':
      return 'a mapping';
    default:
      return typeof input;
  }
}

const got = (input: unknown): string => (typeof input === 'number' ? `, got ${input}` : '');

/** Marks an unrecognized-keys message so `toPathIssues` can split it into one issue per key. */
const KEYS_MARK = '\u0000known-keys:';

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

function bound(origin: string | undefined, n: number | bigint, inclusive: boolean | undefined, least: boolean): string {
  const cmp = least ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  if (origin === 'string') return `expected ${cmp} ${n} character(s)`;
  if (origin === 'array' || origin === 'set') return `expected ${cmp} ${n} item(s)`;
  return `expected a number ${cmp} ${n}`;
}

export const topologyErrorMap = (iss: RawIssue): string | undefined => {
  switch (iss.code) {
    case 'invalid_type': {
      const what = EXPECTED[iss.expected] ?? iss.expected;
      return iss.input === undefined ? `required: expected ${what}` : `expected ${what}, got ${describe(iss.input)}`;
    }
    case 'too_small':
      return bound(iss.origin, iss.minimum, iss.inclusive, true) + got(iss.input);
    case 'too_big':
      return bound(iss.origin, iss.maximum, iss.inclusive, false) + got(iss.input);
    case 'invalid_value': {
      const values = iss.values.map((v) => String(v));
      if (values.length === 1) return `expected ${JSON.stringify(iss.values[0])}, got ${describe(iss.input)}`;
      return typeof iss.input === 'string' ? `"${iss.input}" is not allowed; ${expectedOneOf(iss.input, values)}` : `${expectedOneOf('', values)}, got ${describe(iss.input)}`;
    }
    case 'invalid_format':
      return iss.format === 'uuid' ? 'expected a UUID' : `expected text matching ${iss.pattern ?? iss.format}`;
    case 'unrecognized_keys': {
      const shape = iss.inst instanceof z.core.$ZodObject ? iss.inst._zod.def.shape : {};
      return KEYS_MARK + JSON.stringify(Object.keys(shape));
    }
    case 'invalid_key': {
      const inner = iss.issues[0]?.message ?? 'invalid name';
      return `invalid key ${JSON.stringify(String(iss.input))}: ${inner}`;
    }
    case 'invalid_union':
      return 'expected one of the accepted forms of this field (see docs/topology.md)';
    default:
      return undefined;
  }
};

const seg = (p: PropertyKey): PathSegment => (typeof p === 'number' ? p : String(p));

export function toPathIssues(error: z.ZodError): PathIssue[] {
  const out: PathIssue[] = [];
  for (const iss of error.issues) {
    const path = iss.path.map(seg);
    if (iss.code === 'unrecognized_keys') {
      const known = iss.message.startsWith(KEYS_MARK) ? z.array(z.string()).parse(JSON.parse(iss.message.slice(KEYS_MARK.length))) : [];
      const inNovaBlock = path[path.length - 1] === 'nova';
      for (const key of iss.keys) {
        const message = inNovaBlock ? unknownNovaKeyMessage(key, expectedOneOf) : `unknown key "${key}"; ${expectedOneOf(key, known)}`;
        out.push({ path: [...path, key], atKey: true, message });
      }
    } else {
      out.push({ path, message: iss.message, atKey: iss.code === 'invalid_key' });
    }
  }
  return out;
}
