/**
 * AggregateInstanceExtraSpecsFilter (nova/scheduler/filters/aggregate_instance_extra_specs.py):
 * flavor extra specs scoped `aggregate_instance_extra_specs:` or not scoped at all must be matched
 * by the metadata of one of the host's aggregates; keys in any other scope (hw:, capabilities:...)
 * are not this filter's business.
 */
import { matchParsed, parseRequirement, type ParsedRequirement } from '../extra-specs-ops.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter, PerRequest } from './base.ts';

const SCOPE = 'aggregate_instance_extra_specs';

interface Requirement {
  key: string;
  req: ParsedRequirement;
}

function requirements(extraSpecs: Record<string, string>): Requirement[] {
  const out: Requirement[] = [];
  for (const [fullKey, req] of Object.entries(extraSpecs)) {
    const colon = fullKey.indexOf(':');
    if (colon >= 0 && fullKey.slice(0, colon) !== SCOPE) continue;
    out.push({ key: colon >= 0 ? fullKey.slice(colon + 1) : fullKey, req: parseRequirement(req) });
  }
  return out;
}

export class AggregateInstanceExtraSpecsFilter extends BaseHostFilter {
  readonly name = 'AggregateInstanceExtraSpecsFilter';
  override readonly runFilterOncePerRequest = true;
  private readonly reqs = new PerRequest((s) => s.flavor.extraSpecs, (s) => requirements(s.flavor.extraSpecs));

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    for (const { key, req } of this.reqs.get(spec)) {
      let matched = false;
      for (const a of host.aggregates) {
        const v = a.metadata[key];
        if (v !== undefined && matchParsed(v, req)) {
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
    return true;
  }

  override prepare(spec: RequestSpec): boolean {
    return this.reqs.refresh(spec).length > 0;
  }
}
