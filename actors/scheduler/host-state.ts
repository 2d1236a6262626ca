/**
 * Nova's derived HostState values and in-request consumption. Nova's compute node reports
 * free_ram_mb = memory_mb - memory_mb_used with the reserved memory counted as used; our HostState
 * keeps reserved apart, so it is subtracted here, once, and every filter and weigher reads it
 * through these functions.
 */
import type { FlavorSpec, HostState, InstanceGroupSpec } from './types.ts';
import { requestedDiskMb } from '../objects/index.ts';

export type HostStateInit = Pick<HostState, 'host' | 'nodename' | 'uuid' | 'vcpus' | 'memoryMb' | 'localGb'> &
  Partial<HostState>;

/**
 * A HostState with every field present and always in the same order: hosts that share one object
 * shape keep the filter and weigher loops monomorphic.
 */
export function newHostState(init: HostStateInit): HostState {
  // Hot numeric fields first: filters and weighers then read one or two cache lines per host.
  return {
    serviceUp: init.serviceUp ?? true,
    serviceDisabled: init.serviceDisabled ?? false,
    vcpus: init.vcpus,
    vcpusUsed: init.vcpusUsed ?? 0,
    memoryMb: init.memoryMb,
    memoryMbUsed: init.memoryMbUsed ?? 0,
    localGb: init.localGb,
    localGbUsed: init.localGbUsed ?? 0,
    reservedHostMemoryMb: init.reservedHostMemoryMb ?? 0,
    reservedHostDiskMb: init.reservedHostDiskMb ?? 0,
    cpuAllocationRatio: init.cpuAllocationRatio ?? 16.0,
    ramAllocationRatio: init.ramAllocationRatio ?? 1.5,
    diskAllocationRatio: init.diskAllocationRatio ?? 1.0,
    failedBuilds: init.failedBuilds ?? 0,
    numInstances: init.numInstances ?? 0,
    host: init.host,
    nodename: init.nodename,
    uuid: init.uuid,
    hypervisorType: init.hypervisorType ?? 'QEMU',
    hypervisorVersion: init.hypervisorVersion ?? 0,
    cpuArch: init.cpuArch ?? 'x86_64',
    supportedInstances: init.supportedInstances ?? [],
    capabilities: init.capabilities ?? {},
    instances: init.instances ?? new Set<string>(),
    availabilityZone: init.availabilityZone ?? 'nova',
    aggregates: init.aggregates ?? [],
  };
}

/** Nova's total_usable_ram_mb: physical RAM before overcommit. */
export function totalUsableRamMb(h: HostState): number {
  return h.memoryMb;
}

/** Nova's free_ram_mb; may go negative on an overcommitted host. */
export function freeRamMb(h: HostState): number {
  return h.memoryMb - h.memoryMbUsed - h.reservedHostMemoryMb;
}

/** Nova's total_usable_disk_gb. */
export function totalUsableDiskGb(h: HostState): number {
  return h.localGb;
}

/** Nova's free_disk_mb. */
export function freeDiskMb(h: HostState): number {
  return (h.localGb - h.localGbUsed) * 1024 - h.reservedHostDiskMb;
}

/** What CPUWeigher weighs: vcpus_total * cpu_allocation_ratio - vcpus_used. */
export function freeVcpus(h: HostState): number {
  return h.vcpus * h.cpuAllocationRatio - h.vcpusUsed;
}

/** RamFilter's memory_mb_limit, which Nova hands to the compute claim as limits['memory_mb']. */
export function memoryMbLimit(h: HostState): number {
  return h.memoryMb * h.ramAllocationRatio;
}

/** DiskFilter's limit in GB (limits['disk_gb']). */
export function diskGbLimit(h: HostState): number {
  return h.localGb * h.diskAllocationRatio;
}

/** CoreFilter's limit (limits['vcpu']). */
export function vcpuLimit(h: HostState): number {
  return h.vcpus * h.cpuAllocationRatio;
}

export { requestedDiskMb };

/** What one consumeFromRequest did, so a failed request can put it back exactly. */
export interface Consumption {
  readonly host: HostState;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly instanceUuid: string;
  readonly addedInstance: boolean;
  /** The group whose hosts list got this host appended, if any. */
  groupAppended: InstanceGroupSpec | null;
}

/**
 * Nova's HostState.consume_from_request: later instances of the same request (and later requests
 * before the compute's next report) see this instance's use. Like Nova, swap is not taken from disk.
 */
export function consumeFromRequest(host: HostState, flavor: FlavorSpec, instanceUuid: string): Consumption {
  const diskGb = flavor.rootGb + flavor.ephemeralGb;
  host.memoryMbUsed += flavor.memoryMb;
  host.localGbUsed += diskGb;
  host.vcpusUsed += flavor.vcpus;
  host.numInstances += 1;
  let addedInstance = false;
  if (instanceUuid !== '' && !host.instances.has(instanceUuid)) {
    host.instances.add(instanceUuid);
    addedInstance = true;
  }
  return {
    host, vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, diskGb, instanceUuid, addedInstance,
    groupAppended: null,
  };
}

/** Reverse a consumeFromRequest (and the group-hosts append that went with it). */
export function undoConsumption(c: Consumption): void {
  const h = c.host;
  h.memoryMbUsed -= c.memoryMb;
  h.localGbUsed -= c.diskGb;
  h.vcpusUsed -= c.vcpus;
  h.numInstances -= 1;
  if (c.addedInstance) h.instances.delete(c.instanceUuid);
  if (c.groupAppended) {
    const i = c.groupAppended.hosts.lastIndexOf(h.host);
    if (i >= 0) c.groupAppended.hosts.splice(i, 1);
    c.groupAppended = null;
  }
}
