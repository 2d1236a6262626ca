/** AllHostsFilter (nova/scheduler/filters/all_hosts_filter.py): passes every host. */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

export class AllHostsFilter extends BaseHostFilter {
  readonly name = 'AllHostsFilter';
  override readonly runFilterOncePerRequest = true;

  hostPasses(_host: HostState, _spec: RequestSpec): boolean {
    return true;
  }

  /** Nothing to check, so the scheduler never loops over hosts for it. */
  override prepare(_spec: RequestSpec): boolean {
    return false;
  }
}
