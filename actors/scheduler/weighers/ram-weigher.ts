/**
 * RAMWeigher (nova/scheduler/weights/ram.py): weighs free_ram_mb. ram_weight_multiplier 1.0 (the
 * default) spreads instances onto the emptiest hosts; a negative one stacks them.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import { freeRamMb } from '../host-state.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostWeigher } from './base.ts';

export class RAMWeigher extends BaseHostWeigher {
  readonly name = 'RAMWeigher';
  readonly multiplier: number;

  constructor(config: NovaConfig) {
    super();
    this.multiplier = config.filter_scheduler.ram_weight_multiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return freeRamMb(host);
  }

  override weighAll(hosts: readonly HostState[], idx: Int32Array, count: number, _spec: RequestSpec, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = freeRamMb(hosts[idx[i]!]!);
  }
}
