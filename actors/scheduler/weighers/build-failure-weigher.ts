/**
 * BuildFailureWeigher (nova/scheduler/weights/compute.py): weighs a host's recent failed builds.
 * Nova negates build_failure_weight_multiplier (default 1000000.0), so a host that keeps failing
 * sinks below every healthy one whatever the other weighers say.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostWeigher } from './base.ts';

export class BuildFailureWeigher extends BaseHostWeigher {
  readonly name = 'BuildFailureWeigher';
  readonly multiplier: number;

  constructor(config: NovaConfig) {
    super();
    this.multiplier = -1 * config.filter_scheduler.build_failure_weight_multiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return host.failedBuilds;
  }

  override weighAll(hosts: readonly HostState[], idx: Int32Array, count: number, _spec: RequestSpec, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = hosts[idx[i]!]!.failedBuilds;
  }
}
