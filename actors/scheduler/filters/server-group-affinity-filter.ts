/**
 * ServerGroupAffinityFilter (nova/scheduler/filters/affinity_filter.py): members of an `affinity`
 * group go where the group already runs; the first member may go anywhere. Within a multi-instance
 * request the scheduler appends each chosen host to the group, so the rest follow the first.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

export class ServerGroupAffinityFilter extends BaseHostFilter {
  readonly name = 'ServerGroupAffinityFilter';

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const group = spec.instanceGroup;
    if (group === null || group.policy !== 'affinity') return true;
    return group.hosts.length === 0 || group.hosts.includes(host.host);
  }

  override prepare(spec: RequestSpec): boolean {
    return spec.instanceGroup?.policy === 'affinity';
  }
}
