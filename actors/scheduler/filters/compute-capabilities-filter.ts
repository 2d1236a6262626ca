/**
 * ComputeCapabilitiesFilter (nova/scheduler/filters/compute_capabilities_filter.py): flavor extra
 * specs scoped `capabilities:` (nestable, e.g. capabilities:cpu_info:arch) must match what the host
 * reports. An unscoped key counts only if the host has such an attribute or stat; other scopes are
 * ignored. Values that are JSON (cpu_info) are looked into, as Nova does.
 */
import { matchParsed, parseRequirement, type ParsedRequirement } from '../extra-specs-ops.ts';
import { freeDiskMb, freeRamMb, totalUsableRamMb } from '../host-state.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter, PerRequest } from './base.ts';

/** HostState attributes under Nova's names; anything else is looked up in `capabilities` (stats). */
const ATTRIBUTES: Record<string, (h: HostState) => unknown> = {
  host: (h) => h.host, nodename: (h) => h.nodename, hypervisor_hostname: (h) => h.nodename,
  hypervisor_type: (h) => h.hypervisorType, hypervisor_version: (h) => h.hypervisorVersion,
  cpu_arch: (h) => h.cpuArch, vcpus_total: (h) => h.vcpus, vcpus_used: (h) => h.vcpusUsed,
  free_ram_mb: freeRamMb, free_disk_mb: freeDiskMb, total_usable_ram_mb: totalUsableRamMb,
  total_usable_disk_gb: (h) => h.localGb, num_instances: (h) => h.numInstances,
};

interface Requirement {
  scope: string[];
  /** The scope rejoined, so a flattened stat ("cpu_info:arch") is found directly. */
  flat: string;
  unscoped: boolean;
  req: ParsedRequirement;
}

function requirements(extraSpecs: Record<string, string>): Requirement[] {
  const out: Requirement[] = [];
  for (const [key, req] of Object.entries(extraSpecs)) {
    const scope = key.split(':');
    if (scope.length > 1 && scope.shift() !== 'capabilities') continue;
    out.push({ scope, flat: scope.join(':'), unscoped: !key.includes(':'), req: parseRequirement(req) });
  }
  return out;
}

function lookup(h: HostState, r: Requirement): unknown {
  if (r.flat in h.capabilities) return h.capabilities[r.flat];
  const first = r.scope[0]!;
  let cap: unknown = first in ATTRIBUTES ? ATTRIBUTES[first]!(h) : h.capabilities[first];
  for (let i = 1; i < r.scope.length && cap !== undefined && cap !== null; i++) {
    if (typeof cap === 'string') {
      try { cap = JSON.parse(cap); } catch { return undefined; }
    }
    cap = typeof cap === 'object' && cap !== null ? Reflect.get(cap, r.scope[i]!) : undefined;
  }
  return cap;
}

function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export class ComputeCapabilitiesFilter extends BaseHostFilter {
  readonly name = 'ComputeCapabilitiesFilter';
  override readonly runFilterOncePerRequest = true;
  private readonly reqs = new PerRequest((s) => s.flavor.extraSpecs, (s) => requirements(s.flavor.extraSpecs));

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    for (const r of this.reqs.get(spec)) {
      if (r.unscoped && !(r.flat in ATTRIBUTES) && !(r.flat in host.capabilities)) continue;
      const cap = lookup(host, r);
      if (cap === undefined || cap === null) return false;
      if (!matchParsed(pyStr(cap), r.req)) return false;
    }
    return true;
  }

  override prepare(spec: RequestSpec): boolean {
    return this.reqs.refresh(spec).length > 0;
  }
}
