/**
 * The host scheduler of a leaf cell: Nova's FilterScheduler. A HostManager keeps the cell's compute
 * nodes as live HostStates; FilterScheduler.selectDestinations filters and weighs them (filters/ and
 * weighers/, one Nova class per file, chosen by Nova's option names) and returns, per instance, the
 * chosen host and its alternates. Pure code: no I/O, no clock, randomness only from the RandomStream.
 */
export type {
  AggregateInfo, FlavorSpec, HostState, ImageSpec, InstanceGroupSpec, RequestSpec, Selection,
} from './types.ts';
export {
  consumeFromRequest, undoConsumption, newHostState, freeRamMb, freeDiskMb, freeVcpus, totalUsableRamMb,
  totalUsableDiskGb, memoryMbLimit, diskGbLimit, vcpuLimit, requestedDiskMb,
} from './host-state.ts';
export type { Consumption, HostStateInit } from './host-state.ts';
export { HostManager } from './host-manager.ts';
export type { ComputeNodeRecord, NodeUsage } from './host-manager.ts';
export { FilterScheduler } from './filter-scheduler.ts';
export { ReferenceScheduler } from './reference-scheduler.ts';
export { FitIndex, HostArrays, StoredHost } from './host-arrays.ts';
export type { ClaimFn, ReleaseFn, HostSource, FilterSchedulerOptions } from './filter-scheduler.ts';
export { explainFiltering, formatFilterExplanation, hostLabel } from './explain.ts';
export type { FilterExplanation, FilterStep } from './explain.ts';
export { match as matchExtraSpec, parseRequirement, matchParsed } from './extra-specs-ops.ts';
export type { ParsedRequirement } from './extra-specs-ops.ts';
export { BaseHostFilter } from './filters/base.ts';
export type { HostFilter } from './filters/base.ts';
export { FILTERS, createFilters } from './filters/registry.ts';
export type { HostFilterFactory } from './filters/registry.ts';
export { BaseHostWeigher, normalize, weighHosts } from './weighers/base.ts';
export type { HostWeigher } from './weighers/base.ts';
export { WEIGHERS, createWeighers } from './weighers/registry.ts';
export type { HostWeigherFactory } from './weighers/registry.ts';
