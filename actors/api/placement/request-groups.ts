/**
 * Query parameters that describe what a request needs (placement's lib.RequestGroup):
 * `resources=VCPU:1,MEMORY_MB:512`, `required=A,!B,in:C,D` (forbidden from 1.22, any-of from 1.39),
 * `member_of=in:agg1,agg2` (repeatable from 1.24, `!` from 1.32), and granular groups
 * `resources1`/`required1`/`member_of1`/`in_tree1` from 1.25.
 */
import type { APIVersion } from '../../../runtime/http/index.ts';
import { emptyGroup, isCustomName, PlacementError, STANDARD_RESOURCE_CLASSES, type RequestGroup, type Resources } from '../../placement/index.ts';
import { canonicalUuid, UUID_RE } from './http.ts';

const bad = (detail: string) => new PlacementError(400, detail, 'placement.query.bad_value');
const STANDARD = new Set(STANDARD_RESOURCE_CLASSES);
const TRAIT_NAME = /^[A-Z0-9_]+$/;

export function parseResources(text: string, param = 'resources'): Resources {
  const out: Resources = {};
  for (const part of text.split(',')) {
    const [rc, amount, ...rest] = part.split(':');
    if (!rc || amount === undefined || rest.length > 0 || !/^\d+$/.test(amount.trim())) {
      throw bad(`Badly formed ${param} parameter. Expected ${param} query string parameter in form: ?${param}=VCPU:2,MEMORY_MB:1024. Got: ${text}.`);
    }
    const name = rc.trim();
    if (!STANDARD.has(name) && !isCustomName(name)) throw bad(`Invalid resource class in ${param} parameter: ${name}`);
    const n = Number(amount.trim());
    if (n < 1) throw bad(`Requested resource ${name} expected positive integer amount. Got: ${amount}.`);
    if (Object.hasOwn(out, name)) throw bad(`The resource class ${name} is requested more than once in ${param}.`);
    out[name] = n;
  }
  return out;
}

export function parseRequired(values: readonly string[], v: APIVersion, g: RequestGroup, param = 'required'): void {
  for (const text of values) {
    if (text.startsWith('in:')) {
      if (v.lt('1.39')) throw bad(`The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion 1.39. Got: ${text}`);
      const any = text.slice(3).split(',').map((t) => t.trim());
      for (const t of any) if (!TRAIT_NAME.test(t)) throw bad(`Invalid query string parameters: Expected '${param}' parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. Got: ${text}`);
      g.anyOf.push(any);
      continue;
    }
    for (const raw of text.split(',')) {
      const t = raw.trim();
      const forbidden = t.startsWith('!');
      const name = forbidden ? t.slice(1) : t;
      if (!TRAIT_NAME.test(name) || (forbidden && v.lt('1.22'))) {
        throw bad(`Invalid query string parameters: Expected '${param}' parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. Got: ${text}`);
      }
      (forbidden ? g.forbidden : g.required).push(name);
    }
  }
  const clash = g.required.filter((t) => g.forbidden.includes(t));
  if (clash.length > 0) throw bad(`Conflicting required and forbidden traits found in the following traits keys: ${clash.join(', ')}`);
}

export function parseMemberOf(values: readonly string[], v: APIVersion, g: RequestGroup): void {
  if (values.length > 1 && v.lt('1.24')) throw bad('Multiple member_of parameters are not supported until microversion 1.24.');
  for (const text of values) {
    let t = text;
    const forbidden = t.startsWith('!');
    if (forbidden) {
      if (v.lt('1.32')) throw bad(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${text}`);
      t = t.slice(1);
    }
    const hasIn = t.startsWith('in:');
    const list = (hasIn ? t.slice(3) : t).split(',').map((s) => s.trim());
    if (!hasIn && list.length > 1 && !forbidden) throw bad(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${text}`);
    for (const u of list) if (!UUID_RE.test(u)) throw bad(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${text}`);
    const uuids = list.map(canonicalUuid);
    if (forbidden) g.forbiddenAggregates.push(...uuids);
    else g.memberOf.push(uuids);
  }
}

/** The unnamed group and the numbered ones of GET /allocation_candidates. */
export function parseGroups(q: Readonly<Record<string, string | string[] | undefined>>, v: APIVersion): RequestGroup[] {
  const all = (name: string): string[] => {
    if (!Object.hasOwn(q, name)) return [];
    const x = q[name];
    return Array.isArray(x) ? x : x === undefined ? [] : [x];
  };
  const groups = new Map<string, RequestGroup>();
  const group = (suffix: string) => {
    let g = groups.get(suffix);
    if (!g) groups.set(suffix, (g = emptyGroup(suffix)));
    return g;
  };
  const suffixRe = v.ge('1.33') ? /^(resources|required|member_of|in_tree)([1-9]\d*|_[A-Za-z0-9_-]{1,64})?$/ : /^(resources|required|member_of|in_tree)([1-9]\d*)?$/;
  for (const name of Object.keys(q)) {
    const m = suffixRe.exec(name);
    if (!m) continue;
    const suffix = m[2] ?? '';
    if (suffix !== '' && v.lt('1.25')) continue;
    if (m[1] === 'in_tree' && suffix === '' && v.lt('1.31')) {
      // in_tree for allocation candidates arrived in 1.31.
      continue;
    }
    const g = group(suffix);
    const values = all(name);
    switch (m[1]) {
      case 'resources': g.resources = parseResources(values.at(-1)!, name); break;
      case 'required': parseRequired(v.ge('1.39') ? values : [values.at(-1)!], v, g, name); break;
      case 'member_of': parseMemberOf(values, v, g); break;
      case 'in_tree': {
        const t = values.at(-1)!;
        if (!UUID_RE.test(t)) throw bad(`Invalid query string parameters: Expected '${name}' parameter to be a format of uuid. Got: ${t}`);
        g.inTree = canonicalUuid(t);
        break;
      }
    }
  }
  for (const g of groups.values()) {
    if (g.suffix !== '' && Object.keys(g.resources).length === 0 && v.lt('1.33')) {
      throw bad(`Resources are required for the request group ${g.suffix}. Got: required${g.suffix} or member_of${g.suffix} without resources${g.suffix}.`);
    }
  }
  return [...groups.values()];
}
