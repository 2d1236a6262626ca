/**
 * ServerGroupSoftAffinityWeigher (nova/scheduler/weights/affinity.py): for a `soft-affinity` group,
 * hosts already running more of the group's members weigh more, so members gather when they can.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostWeigher } from './base.ts';
import { groupMembersOnHost, multiplierOption } from './soft-affinity-base.ts';

export class ServerGroupSoftAffinityWeigher extends BaseHostWeigher {
  readonly name = 'ServerGroupSoftAffinityWeigher';
  readonly multiplier: number;

  constructor(config: NovaConfig) {
    super();
    this.multiplier = multiplierOption(config, 'soft_affinity_weight_multiplier', 1.0);
  }

  weigh(host: HostState, spec: RequestSpec): number {
    return groupMembersOnHost(host, spec, 'soft-affinity');
  }
}
