/**
 * The Query API's parameters (Action=...&InstanceId.1=...&Filter.1.Name=...&Filter.1.Value.1=...):
 * kept in a Map (never a plain object, so "__proto__" is just a name), with readers for EC2's
 * numbered lists, filters and tags, each answering MissingParameter / InvalidParameterValue.
 */
import { invalidParameter, missingParameter } from './errors.ts';

export interface Filter {
  name: string;
  values: string[];
}

export interface Tag {
  key: string;
  value: string;
}

export class Ec2Params {
  private readonly map = new Map<string, string>();

  constructor(entries: Iterable<readonly [string, string]>) {
    for (const [k, v] of entries) this.map.set(k, v);
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }

  required(name: string): string {
    const v = this.map.get(name);
    if (v === undefined || v === '') throw missingParameter(name);
    return v;
  }

  int(name: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.map.get(name);
    if (v === undefined) return dflt;
    if (!/^-?\d+$/.test(v)) throw invalidParameter(`Invalid value '${v}' for ${name}: an integer is expected`);
    const n = Number(v);
    if (n < min || n > max) throw invalidParameter(`Value (${n}) for parameter ${name} is invalid: it must be between ${min} and ${max}`);
    return n;
  }

  bool(name: string, dflt = false): boolean {
    const v = this.map.get(name);
    if (v === undefined) return dflt;
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
    throw invalidParameter(`Invalid value '${v}' for ${name}: true or false is expected`);
  }

  /** The numbered members of a list parameter (`InstanceId.1`, `InstanceId.2`, ...), by number. */
  list(prefix: string): string[] {
    const out: Array<[number, string]> = [];
    const re = /^(\d+)$/;
    for (const [k, v] of this.map) {
      if (!k.startsWith(`${prefix}.`)) continue;
      const m = re.exec(k.slice(prefix.length + 1));
      if (m) out.push([Number(m[1]), v]);
    }
    return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** The distinct numbers N used under `prefix.N.` (for lists of structures). */
  private indices(prefix: string): number[] {
    const ns = new Set<number>();
    for (const k of this.map.keys()) {
      if (!k.startsWith(`${prefix}.`)) continue;
      const rest = k.slice(prefix.length + 1);
      const dot = rest.indexOf('.');
      const n = dot < 0 ? '' : rest.slice(0, dot);
      if (/^\d+$/.test(n)) ns.add(Number(n));
    }
    return [...ns].sort((a, b) => a - b);
  }

  filters(): Filter[] {
    return this.indices('Filter').map((n) => {
      const name = this.map.get(`Filter.${n}.Name`);
      if (!name) throw missingParameter(`Filter.${n}.Name`);
      return { name, values: this.list(`Filter.${n}.Value`) };
    });
  }

  /** Tags of `TagSpecification.N` whose ResourceType is `resourceType`. */
  tagSpecifications(resourceType: string): Tag[] {
    return this.indices('TagSpecification').flatMap((n) => {
      const type = this.map.get(`TagSpecification.${n}.ResourceType`);
      if (type !== resourceType) {
        if (type === undefined) throw missingParameter(`TagSpecification.${n}.ResourceType`);
        throw invalidParameter(`'${type}' is not a valid taggable resource type for this operation.`);
      }
      return this.tags(`TagSpecification.${n}.Tag`);
    });
  }

  /** `Tag.N.Key` / `Tag.N.Value`. */
  tags(prefix = 'Tag'): Tag[] {
    return this.indices(prefix).map((n) => {
      const key = this.map.get(`${prefix}.${n}.Key`);
      if (key === undefined) throw missingParameter(`${prefix}.${n}.Key`);
      return { key, value: this.map.get(`${prefix}.${n}.Value`) ?? '' };
    });
  }
}

/** Does an EC2 filter value (with * and ? wildcards) match? Compared character by character, no RegExp. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const p = [...pattern];
  const v = [...value];
  // Classic two-pointer glob match with backtracking on the last '*'.
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < v.length) {
    if (i < p.length && (p[i] === '?' || p[i] === v[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
}

/** What values an item has under a filter name; undefined for a filter name this action does not know. */
export type FilterFields<T> = (name: string) => ((item: T) => Array<string | undefined>) | undefined;

/** Keep the items every filter matches (any of its values, wildcards allowed). */
export function applyFilters<T>(items: T[], filters: Filter[], fields: FilterFields<T>): T[] {
  for (const f of filters) {
    const get = fields(f.name);
    if (!get) throw invalidParameter(`The filter '${f.name}' is invalid`);
    items = items.filter((it) => get(it).some((have) => have !== undefined && f.values.some((want) => wildcardMatch(want, have))));
  }
  return items;
}

/** A FilterFields from a Map of fixed names. */
export function filterTable<T>(table: ReadonlyMap<string, (item: T) => Array<string | undefined>>): FilterFields<T> {
  return (name) => table.get(name);
}
