/**
 * RetryFilter (nova/scheduler/filters/retry_filter.py): on a reschedule, skip the hosts (or nodes)
 * this build already failed on.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

export class RetryFilter extends BaseHostFilter {
  readonly name = 'RetryFilter';
  override readonly runFilterOncePerRequest = true;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const tried = spec.retry.hosts;
    return !tried.includes(host.host) && !(host.nodename !== host.host && tried.includes(host.nodename));
  }

  override prepare(spec: RequestSpec): boolean {
    return spec.retry.hosts.length > 0;
  }
}
