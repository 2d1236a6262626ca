/**
 * Request validation with Nova's rules (nova/api/validation/parameter_types.py) as zod schemas. A body
 * that does not match is a 400 whose message reads like Nova's jsonschema errors
 * ("Invalid input for field/attribute name. ...", "Additional properties are not allowed (...)").
 */
import { z } from 'zod';
import { BadRequest } from '../../../runtime/errors/index.ts';

function isMissing(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return issue.message.endsWith('received undefined');
  if (issue.code === 'invalid_union') return issue.errors.every((alt) => alt.every((i) => isMissing(i)));
  return false;
}

/** Marks a custom issue whose message is already the whole 400 message (see sharedAttribute). */
const WHOLE_MESSAGE = 'novacellWholeMessage';

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom' && issue.params?.[WHOLE_MESSAGE] === true) return issue.message;
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    return `Additional properties are not allowed (${keys} ${issue.keys.length > 1 ? 'were' : 'was'} unexpected)`;
  }
  if (isMissing(issue)) return `'${String(issue.path.at(-1) ?? 'body')}' is a required property`;
  return `Invalid input for field/attribute ${path || 'body'}. ${issue.message}`;
}

/**
 * `schema` for an attribute that several request bodies share (personality in POST /servers and in
 * the rebuild action): a failure is worded as Nova words it, by the innermost attribute's name
 * ("Invalid input for field/attribute contents. ..."), not by where the attribute sits in this body,
 * so the same bad value fails with the same message in every body that has it.
 */
export function sharedAttribute<S extends z.ZodType>(name: string, schema: S) {
  return z.unknown().transform((value, ctx): z.output<S> => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    const innermost = issue.path.at(-1) ?? name;
    ctx.addIssue({ code: 'custom', message: describe({ ...issue, path: [innermost] }), params: { [WHOLE_MESSAGE]: true } });
    return z.NEVER;
  });
}

/** Nova's `base64` format (user_data, personality contents): base64 characters, padding, whitespace; whole quads. */
export const base64String = z.string().refine((s) => /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(s) && s.replace(/\s/g, '').length % 4 === 0, {
  message: 'is not a base64 string',
});

/** Parse with a schema, or throw a 400 saying what is wrong. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new BadRequest(describe(r.error.issues[0]!));
}

/**
 * A `.pick` mask entry for an attribute that only some microversions have: the key stays in the
 * schema only when `ok` (elsewhere `.strict()` rejects it as unexpected). For optional attributes
 * only: the parsed value's type keeps the key, optional, either way. (An attribute that is checked but
 * never read can be spread in conditionally instead; its parsed type is then `unknown`.)
 */
export function when(ok: boolean): true | undefined {
  return ok ? true : undefined;
}

/** Nova's `boolean` parameter type: JSON booleans and the strings/ints oslo's bool_from_string knows. */
const TRUE_STRINGS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_STRINGS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

export function parseBoolString(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE_STRINGS.has(s)) return true;
    if (FALSE_STRINGS.has(s)) return false;
  }
  return undefined;
}

export const novaBoolean = z.unknown().transform((v, ctx) => {
  const b = parseBoolString(v);
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not of type 'boolean'` });
    return z.NEVER;
  }
  return b;
});

/** An integer, or a string of one (Nova's positive_integer / non_negative_integer accept both). */
export function intLike(min: number, max = 2 ** 31 - 1) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not of type 'integer', 'string'` });
      return z.NEVER;
    }
    if (n < min) {
      ctx.addIssue({ code: 'custom', message: `${n} is less than the minimum of ${min}` });
      return z.NEVER;
    }
    if (n > max) {
      ctx.addIssue({ code: 'custom', message: `${n} is greater than the maximum of ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

/**
 * Not printable in Nova's sense (parameter_types._is_printable): any `C*` category (controls, format
 * characters such as the bidi overrides U+202A-E/U+2066-9, lone surrogates, private use, unassigned)
 * and the `Z*` separators other than Zs. A constant pattern: user input never reaches a RegExp.
 */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;

/** True when `s` holds only characters Nova's valid_name_regex accepts. */
export function isPrintableName(s: string): boolean {
  return !UNPRINTABLE.test(s);
}

/**
 * Nova's name: printable characters, 1-255 of them, no leading or trailing whitespace
 * (valid_name_regex). `allowSurroundingSpaces` is the legacy rule some APIs keep.
 */
export function novaName(max = 255, allowSurroundingSpaces = false) {
  return z.string().min(1, `'' is too short`).max(max, `is too long`).refine(
    (s) => allowSurroundingSpaces || s.trim() === s,
    { message: 'Leading/trailing whitespace not allowed' },
  ).refine(isPrintableName, { message: 'Invalid characters in name' });
}

/** metadata: string keys of 1-255 characters, string values of at most 255 (server and image metadata). */
export const metadataSchema = z.record(
  z.string().min(1, 'metadata key is too short').max(255, 'metadata key is too long'),
  z.string().max(255, 'metadata value is too long'),
);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const parts = [...groups(dbl[0]!), ...(dbl.length === 2 ? groups(dbl[1]!) : [])];
  let count = parts.length;
  const last = parts.at(-1);
  if (last && last.includes('.')) {
    if (!isIPv4(last)) return false;
    count += 1;
  }
  if (parts.some((p) => !p.includes('.') && !/^[0-9a-fA-F]{1,4}$/.test(p))) return false;
  return dbl.length === 2 ? count < 8 : count === 8;
}

export const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export function isUuidLike(s: string): boolean {
  return UUID_RE.test(s);
}

/** The body of an action: `{"<action>": ...}`; the caller picks the key. */
export function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** The 8 hextets of an IPv6 address (call isIPv6 first). */
function hextets(s: string): number[] {
  let text = s;
  const last = text.split(':').at(-1)!;
  if (last.includes('.')) {
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, text.length - last.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (p: string) => (p === '' ? [] : p.split(':').map((h) => parseInt(h, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  return tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * IPv6 in the form Nova returns (netaddr's str: lowercase, leading zeros dropped, the longest run of
 * two or more zero groups as "::"), so an address reads back as it would from Nova.
 */
export function canonicalIPv6(s: string): string {
  const h = hextets(s);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (h[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = h.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
