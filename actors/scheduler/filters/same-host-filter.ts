/**
 * SameHostFilter (nova/scheduler/filters/affinity_filter.py): with the `same_host` hint, only
 * hosts running at least one of the named instances.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter, hintList, instancesOverlap } from './base.ts';

export class SameHostFilter extends BaseHostFilter {
  readonly name = 'SameHostFilter';
  override readonly runFilterOncePerRequest = true;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const uuids = hintList(spec, 'same_host');
    return uuids.length === 0 || instancesOverlap(host, uuids);
  }

  override prepare(spec: RequestSpec): boolean {
    return hintList(spec, 'same_host').length > 0;
  }
}
