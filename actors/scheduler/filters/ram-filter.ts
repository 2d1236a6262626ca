/**
 * RamFilter (nova/scheduler/filters/ram_filter.py, as it was before placement took over): the
 * flavor's RAM must fit under memory_mb * ram_allocation_ratio, counting reserved memory as used,
 * and an instance may not overcommit against itself (it must fit in physical RAM alone).
 */
import { freeRamMb, totalUsableRamMb } from '../host-state.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

function ramFits(h: HostState, requestedMb: number): boolean {
  const total = totalUsableRamMb(h);
  if (!(total >= requestedMb)) return false;
  const limit = total * h.ramAllocationRatio;
  const used = total - freeRamMb(h);
  return limit - used >= requestedMb;
}

export class RamFilter extends BaseHostFilter {
  readonly name = 'RamFilter';

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    return ramFits(host, spec.flavor.memoryMb);
  }

  override filterAll(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec): number {
    const requested = spec.flavor.memoryMb;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (ramFits(hosts[k]!, requested)) idx[kept++] = k;
    }
    return kept;
  }
}
