/**
 * DifferentHostFilter (nova/scheduler/filters/affinity_filter.py): with the `different_host`
 * hint, only hosts running none of the named instances.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter, hintList, instancesOverlap } from './base.ts';

export class DifferentHostFilter extends BaseHostFilter {
  readonly name = 'DifferentHostFilter';
  override readonly runFilterOncePerRequest = true;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const uuids = hintList(spec, 'different_host');
    return uuids.length === 0 || !instancesOverlap(host, uuids);
  }

  override prepare(spec: RequestSpec): boolean {
    return hintList(spec, 'different_host').length > 0;
  }
}
