/**
 * ServerGroupSoftAntiAffinityWeigher (nova/scheduler/weights/affinity.py): for a
 * `soft-anti-affinity` group, each member already on a host weighs -1, so members spread when they
 * can and share a host only when nothing else passes.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostWeigher } from './base.ts';
import { groupMembersOnHost, multiplierOption } from './soft-affinity-base.ts';

export class ServerGroupSoftAntiAffinityWeigher extends BaseHostWeigher {
  readonly name = 'ServerGroupSoftAntiAffinityWeigher';
  readonly multiplier: number;

  constructor(config: NovaConfig) {
    super();
    this.multiplier = multiplierOption(config, 'soft_anti_affinity_weight_multiplier', 1.0);
  }

  weigh(host: HostState, spec: RequestSpec): number {
    return -groupMembersOnHost(host, spec, 'soft-anti-affinity');
  }
}
