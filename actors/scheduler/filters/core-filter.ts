/**
 * CoreFilter (nova/scheduler/filters/core_filter.py, Newton era): vCPUs used plus the flavor's
 * must fit under vcpus * cpu_allocation_ratio, and an instance may not have more vCPUs than the
 * host has physical ones. A host reporting no vCPUs passes, as Nova's fail-safe does.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

function coresFit(h: HostState, requested: number): boolean {
  if (!h.vcpus) return true;
  const limit = h.vcpus * h.cpuAllocationRatio;
  if (limit > 0 && requested > h.vcpus) return false;
  return limit - h.vcpusUsed >= requested;
}

export class CoreFilter extends BaseHostFilter {
  readonly name = 'CoreFilter';

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    return coresFit(host, spec.flavor.vcpus);
  }

  override filterAll(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec): number {
    const requested = spec.flavor.vcpus;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (coresFit(hosts[k]!, requested)) idx[kept++] = k;
    }
    return kept;
  }
}
