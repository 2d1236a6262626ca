/**
 * Host ranges: `compute[001:200]` names 200 hosts compute001 … compute200. Zero padding is preserved
 * (a bound written with a leading zero pads every number to the wider bound), several bracket groups
 * multiply (`rack[1:2]-node[01:16]` is 32 hosts), and text outside brackets is copied as is. This is the
 * notation of Ansible inventories and pdsh, which operators already know.
 */

/** Expanding more names than this is surely a typo (and would exhaust memory). */
export const MAX_RANGE_SIZE = 1_000_000;

const HOST_CHAR = /^[A-Za-z0-9._-]$/;
const RANGE_HINT = 'expected a range like compute[001:200]';

export class HostRangeError extends Error {
  constructor(
    readonly spec: string,
    readonly reason: string,
    hint: string = RANGE_HINT,
  ) {
    super(`${hint}; ${reason}`);
    this.name = 'HostRangeError';
  }
}

type Part = { text: string } | { from: number; to: number; width: number };

function parseBound(token: string, spec: string): number {
  if (!/^[0-9]+$/.test(token)) throw new HostRangeError(spec, `bound "${token}" in "${spec}" is not a number`);
  return Number(token);
}

function parseGroup(body: string, spec: string): Part {
  const [a, b, ...more] = body.split(':');
  if (a === undefined || b === undefined || more.length > 0) {
    throw new HostRangeError(spec, `"[${body}]" in "${spec}" is not of the form [start:end]`);
  }
  const from = parseBound(a, spec);
  const to = parseBound(b, spec);
  if (from > to) throw new HostRangeError(spec, `"${spec}" counts down (${a} > ${b})`);
  const padded = (a.length > 1 && a.startsWith('0')) || (b.length > 1 && b.startsWith('0'));
  return { from, to, width: padded ? Math.max(a.length, b.length) : 0 };
}

function parse(spec: string): Part[] {
  if (spec.length === 0) throw new HostRangeError(spec, 'the name is empty', 'expected a host name');
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '[') {
      const close = spec.indexOf(']', i);
      if (close < 0) throw new HostRangeError(spec, `"[" at position ${i + 1} of "${spec}" is never closed`);
      if (text) parts.push({ text });
      text = '';
      parts.push(parseGroup(spec.slice(i + 1, close), spec));
      i = close;
    } else if (c === ']') {
      throw new HostRangeError(spec, `"]" at position ${i + 1} of "${spec}" has no matching "["`);
    } else if (!HOST_CHAR.test(c)) {
      throw new HostRangeError(
        spec,
        `character ${JSON.stringify(c)} in "${spec}" is not allowed (letters, digits, ".", "-", "_")`,
        'expected a host name or a range like compute[001:200]',
      );
    } else {
      text += c;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

/** How many names `spec` stands for, without building them; throws HostRangeError if malformed. */
export function countHostRange(spec: string): number {
  let n = 1;
  for (const p of parse(spec)) if ('from' in p) n *= p.to - p.from + 1;
  return n;
}

/** `compute[001:003]` → `['compute001', 'compute002', 'compute003']`; a plain name → `[name]`. */
export function expandHostRange(spec: string, limit: number = MAX_RANGE_SIZE): string[] {
  const parts = parse(spec);
  let count = 1;
  for (const p of parts) if ('from' in p) count *= p.to - p.from + 1;
  if (count > limit) {
    throw new HostRangeError(spec, `"${spec}" expands to ${count.toLocaleString('en-US')} names, more than ${limit.toLocaleString('en-US')}`);
  }
  let names = [''];
  for (const p of parts) {
    if ('text' in p) {
      names = names.map((n) => n + p.text);
      continue;
    }
    const next: string[] = [];
    for (const prefix of names) {
      for (let k = p.from; k <= p.to; k++) next.push(prefix + String(k).padStart(p.width, '0'));
    }
    names = next;
  }
  return names;
}

/** Expands a host group's `names` (one spec or a list of specs), in order. */
export function expandHostNames(names: string | readonly string[], limit: number = MAX_RANGE_SIZE): string[] {
  const specs = typeof names === 'string' ? [names] : names;
  return specs.flatMap((s) => expandHostRange(s, limit));
}
