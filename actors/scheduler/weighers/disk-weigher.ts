/**
 * DiskWeigher (nova/scheduler/weights/disk.py): weighs free_disk_mb. disk_weight_multiplier > 0
 * spreads, < 0 stacks.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import { freeDiskMb } from '../host-state.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostWeigher } from './base.ts';

export class DiskWeigher extends BaseHostWeigher {
  readonly name = 'DiskWeigher';
  readonly multiplier: number;

  constructor(config: NovaConfig) {
    super();
    this.multiplier = config.filter_scheduler.disk_weight_multiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return freeDiskMb(host);
  }

  override weighAll(hosts: readonly HostState[], idx: Int32Array, count: number, _spec: RequestSpec, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = freeDiskMb(hosts[idx[i]!]!);
  }
}
