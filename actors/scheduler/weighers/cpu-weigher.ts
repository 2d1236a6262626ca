/**
 * CPUWeigher (nova/scheduler/weights/cpu.py): weighs free vCPUs after overcommit,
 * vcpus * cpu_allocation_ratio - vcpus_used. cpu_weight_multiplier > 0 spreads, < 0 stacks.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import { freeVcpus } from '../host-state.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostWeigher } from './base.ts';

export class CPUWeigher extends BaseHostWeigher {
  readonly name = 'CPUWeigher';
  readonly multiplier: number;

  constructor(config: NovaConfig) {
    super();
    this.multiplier = config.filter_scheduler.cpu_weight_multiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return freeVcpus(host);
  }

  override weighAll(hosts: readonly HostState[], idx: Int32Array, count: number, _spec: RequestSpec, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = freeVcpus(hosts[idx[i]!]!);
  }
}
