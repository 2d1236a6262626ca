/**
 * Port of nova/scheduler/filters/extra_specs_ops.py: the little operator language of flavor extra
 * specs ("<in> avx2", ">= 4", "s== x86_64", "<or> a <or> b"). Requirements are parsed once per
 * request and matched per host. Where Python's float() would raise on a non-number, the value
 * simply does not match.
 */

type Op = '=' | '<in>' | '<all-in>' | '==' | '!=' | '>=' | '<=' | 's==' | 's!=' | 's<' | 's<=' | 's>' | 's>=' | '<or>';

const OPS: readonly Op[] = ['=', '<in>', '<all-in>', '==', '!=', '>=', '<=', 's==', 's!=', 's<', 's<=', 's>', 's>=', '<or>'];
const isOp = (w: string): w is Op => OPS.some((o) => o === w);

export interface ParsedRequirement {
  /** null: no operator, the value must equal `raw` exactly. */
  readonly op: Op | null;
  readonly raw: string;
  /** Words after the operator (for <or>, the alternatives without the <or> keywords). */
  readonly words: readonly string[];
}

export function parseRequirement(req: string): ParsedRequirement {
  const words = req.split(/\s+/).filter((w) => w !== '');
  const first = words[0];
  if (first === undefined || !isOp(first)) return { op: null, raw: req, words: [] };
  const rest = words.slice(1);
  if (first === '<or>') return { op: '<or>', raw: req, words: rest.filter((_, i) => i % 2 === 0) };
  return { op: first, raw: req, words: rest };
}

/** Python's float(): surrounding blanks allowed, an empty string is not a number. */
function pyFloat(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === '') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(t);
}

function numeric(x: string, y: string, cmp: (a: number, b: number) => boolean): boolean {
  const a = pyFloat(x);
  const b = pyFloat(y);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return cmp(a, b);
}

export function matchParsed(value: string | null | undefined, p: ParsedRequirement): boolean {
  if (p.op === null) return value === p.raw;
  if (value === null || value === undefined) return false;
  if (p.op === '<or>') return p.words.includes(value);
  const y = p.words[0];
  if (y === undefined) return false;
  switch (p.op) {
    case '=': return numeric(value, y, (a, b) => a >= b);
    case '==': return numeric(value, y, (a, b) => a === b);
    case '!=': return numeric(value, y, (a, b) => a !== b);
    case '>=': return numeric(value, y, (a, b) => a >= b);
    case '<=': return numeric(value, y, (a, b) => a <= b);
    case '<in>': return value.includes(y);
    case '<all-in>': return p.words.every((w) => value.includes(w));
    case 's==': return value === y;
    case 's!=': return value !== y;
    case 's<': return value < y;
    case 's<=': return value <= y;
    case 's>': return value > y;
    case 's>=': return value >= y;
  }
}

/** Nova's extra_specs_ops.match(value, req). */
export function match(value: string | null | undefined, req: string): boolean {
  return matchParsed(value, parseRequirement(req));
}
