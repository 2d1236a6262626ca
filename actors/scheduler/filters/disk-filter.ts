/**
 * DiskFilter (nova/scheduler/filters/disk_filter.py): root + ephemeral + swap must fit under
 * local_gb * disk_allocation_ratio, with reserved disk counted as used, and must fit on the
 * physical disk alone (no overcommit against itself).
 */
import { freeDiskMb, requestedDiskMb, totalUsableDiskGb } from '../host-state.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

function diskFits(h: HostState, requestedMb: number): boolean {
  const totalMb = totalUsableDiskGb(h) * 1024;
  if (totalMb < requestedMb) return false;
  const limitMb = totalMb * h.diskAllocationRatio;
  const usedMb = totalMb - freeDiskMb(h);
  return limitMb - usedMb >= requestedMb;
}

export class DiskFilter extends BaseHostFilter {
  readonly name = 'DiskFilter';

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    return diskFits(host, requestedDiskMb(spec.flavor));
  }

  override filterAll(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec): number {
    const requested = requestedDiskMb(spec.flavor);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (diskFits(hosts[k]!, requested)) idx[kept++] = k;
    }
    return kept;
  }
}
