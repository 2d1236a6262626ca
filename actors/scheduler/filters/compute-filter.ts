/**
 * ComputeFilter (nova/scheduler/filters/compute_filter.py): only hosts whose nova-compute service
 * is up and not disabled by an operator.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

function serviceUsable(h: HostState): boolean {
  return h.serviceUp && !h.serviceDisabled;
}

export class ComputeFilter extends BaseHostFilter {
  readonly name = 'ComputeFilter';
  override readonly runFilterOncePerRequest = true;

  hostPasses(host: HostState, _spec: RequestSpec): boolean {
    return serviceUsable(host);
  }

  override filterAll(hosts: readonly HostState[], idx: Int32Array, count: number): number {
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (serviceUsable(hosts[k]!)) idx[kept++] = k;
    }
    return kept;
  }
}
