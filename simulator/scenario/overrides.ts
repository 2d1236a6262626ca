/**
 * `--set key=value` overrides. A key that starts with a Nova section (`filter_scheduler.ram_weight_multiplier`)
 * sets that option in the scenario's `nova:` block; any other key is a dotted path into the scenario
 * (`workload.arrivals.rate=20/min`, `faults.0.at=2h`). Values are read as YAML scalars (`-1`, `true`, `2h`).
 */
import { parse as parseYaml } from 'yaml';
import { NOVA_SECTIONS } from '../../topology/nova-options.ts';
import type { PathSegment } from '../../topology/errors.ts';
import { scenarioError } from './errors.ts';

export interface Override {
  /** As given, for messages and the manifest. */
  text: string;
  path: PathSegment[];
  value: unknown;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw scenarioError(`--set ${text}`, 'expected key=value, like filter_scheduler.ram_weight_multiplier=-1', '', 0, 0);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw === '' ? '' : parseYaml(raw);
  } catch {
    value = raw;
  }
  const parts = key.split('.');
  const novaKey = parts[0] === 'nova' ? parts.slice(1) : parts;
  if (NOVA_SECTIONS.includes(novaKey[0]!) && novaKey.length === 2) return { text, path: ['nova', novaKey.join('.')], value };
  if (parts[0] === 'nova' && novaKey.length === 1) return { text, path: ['nova', novaKey[0]!], value };
  return { text, path: parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value };
}

/** A parsed YAML mapping or sequence, read and written by key or index. */
type Json = Record<string | number, unknown>;
const isJson = (x: unknown): x is Json => typeof x === 'object' && x !== null;

/** A new empty sequence or mapping, to fill in along an override's path. */
function container(sequence: boolean): Json {
  const c: unknown = sequence ? [] : {};
  return isJson(c) ? c : {};
}

/**
 * Apply overrides to the parsed scenario data (in place), keeping one spelling per Nova option. Returns
 * the overrides with the paths they were written to.
 */
export function applyOverrides(data: unknown, overrides: readonly Override[]): { data: unknown; applied: Override[] } {
  const root: Json = isJson(data) ? data : {};
  const applied: Override[] = [];
  for (const o of overrides) {
    let path = o.path;
    if (path[0] === 'nova' && typeof path[1] === 'string') path = novaPath(root.nova, path[1]);
    let cur: Json = root;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const next = cur[seg];
      if (isJson(next)) cur = next;
      else cur = cur[seg] = container(typeof path[i + 1] === 'number');
    }
    cur[path[path.length - 1]!] = o.value;
    applied.push({ ...o, path });
  }
  return { data: root, applied };
}

/** Where option `dotted` already lives in a `nova:` block (nested or dotted), else its dotted key. */
function novaPath(block: unknown, dotted: string): PathSegment[] {
  const dot = dotted.indexOf('.');
  if (dot > 0 && isJson(block)) {
    const section = block[dotted.slice(0, dot)];
    if (isJson(section)) return ['nova', dotted.slice(0, dot), dotted.slice(dot + 1)];
    if (dotted.startsWith('DEFAULT.') && dotted.slice(dot + 1) in block) return ['nova', dotted.slice(dot + 1)];
  }
  return ['nova', dotted];
}

/** Does an issue at `path` come from an override? (Its value has no line in the file.) */
export function overrideFor(path: readonly PathSegment[], overrides: readonly Override[]): Override | undefined {
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i]!;
    const p = o.path;
    const n = Math.min(p.length, path.length);
    let same = p.length <= path.length;
    for (let k = 0; same && k < n; k++) same = String(p[k]) === String(path[k]);
    if (same) return o;
  }
  return undefined;
}
