/**
 * AvailabilityZoneFilter (nova/scheduler/filters/availability_zone_filter.py): the requested zone
 * must be one the host's aggregates name; a host in no zoned aggregate is in its own zone (the
 * default_availability_zone unless its record says otherwise).
 */
import type { AggregateInfo, HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter } from './base.ts';

function aggregateZone(a: AggregateInfo): string | null | undefined {
  return a.availabilityZone ?? a.metadata['availability_zone'];
}

export class AvailabilityZoneFilter extends BaseHostFilter {
  readonly name = 'AvailabilityZoneFilter';
  override readonly runFilterOncePerRequest = true;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const wanted = spec.availabilityZone;
    if (!wanted) return true;
    let zoned = false;
    for (const a of host.aggregates) {
      const z = aggregateZone(a);
      if (!z) continue;
      if (z === wanted) return true;
      zoned = true;
    }
    return !zoned && host.availabilityZone === wanted;
  }

  override prepare(spec: RequestSpec): boolean {
    return !!spec.availabilityZone;
  }
}
