/**
 * Host filters by Nova's class name, as [filter_scheduler] enabled_filters lists them. Dotted Nova
 * paths (nova.scheduler.filters.ram_filter.RamFilter) are accepted; an unknown name is an error at
 * start-up rather than a filter silently missing.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import { AggregateInstanceExtraSpecsFilter } from './aggregate-instance-extra-specs-filter.ts';
import { AllHostsFilter } from './all-hosts-filter.ts';
import { AvailabilityZoneFilter } from './availability-zone-filter.ts';
import type { HostFilter } from './base.ts';
import { ComputeCapabilitiesFilter } from './compute-capabilities-filter.ts';
import { ComputeFilter } from './compute-filter.ts';
import { CoreFilter } from './core-filter.ts';
import { DifferentHostFilter } from './different-host-filter.ts';
import { DiskFilter } from './disk-filter.ts';
import { ImagePropertiesFilter } from './image-properties-filter.ts';
import { RamFilter } from './ram-filter.ts';
import { RetryFilter } from './retry-filter.ts';
import { SameHostFilter } from './same-host-filter.ts';
import { ServerGroupAffinityFilter } from './server-group-affinity-filter.ts';
import { ServerGroupAntiAffinityFilter } from './server-group-anti-affinity-filter.ts';

export type HostFilterFactory = (config: NovaConfig) => HostFilter;

export const FILTERS: Readonly<Record<string, HostFilterFactory>> = {
  AllHostsFilter: () => new AllHostsFilter(),
  ComputeFilter: () => new ComputeFilter(),
  AvailabilityZoneFilter: () => new AvailabilityZoneFilter(),
  ComputeCapabilitiesFilter: () => new ComputeCapabilitiesFilter(),
  ImagePropertiesFilter: () => new ImagePropertiesFilter(),
  ServerGroupAffinityFilter: () => new ServerGroupAffinityFilter(),
  ServerGroupAntiAffinityFilter: () => new ServerGroupAntiAffinityFilter(),
  AggregateInstanceExtraSpecsFilter: () => new AggregateInstanceExtraSpecsFilter(),
  RamFilter: () => new RamFilter(),
  CoreFilter: () => new CoreFilter(),
  DiskFilter: () => new DiskFilter(),
  RetryFilter: () => new RetryFilter(),
  SameHostFilter: () => new SameHostFilter(),
  DifferentHostFilter: () => new DifferentHostFilter(),
};

/** Filter instances for `names`, in that order (the order filters run in). */
export function createFilters(names: readonly string[], config: NovaConfig): HostFilter[] {
  return names.map((full) => {
    const name = full.slice(full.lastIndexOf('.') + 1);
    const factory = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
    if (!factory) {
      throw new Error(`Unknown scheduler filter '${full}' in [filter_scheduler] enabled_filters; ` +
        `known: ${Object.keys(FILTERS).join(', ')}`);
    }
    return factory(config);
  });
}
