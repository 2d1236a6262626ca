/**
 * The scheduler's data shapes: what a build request asks for (RequestSpec, after Nova's
 * objects.RequestSpec), what the scheduler knows of a compute node (HostState, after
 * nova/scheduler/host_manager.py), and what it answers (Selection, after objects.Selection).
 * Flavor, image, server group and aggregate are actors/objects' (the names here are aliases).
 */
import type { AggregateInfo, Flavor, Image, InstanceGroup } from '../objects/index.ts';

export type { Flavor as FlavorSpec, Image as ImageSpec, InstanceGroup as InstanceGroupSpec } from '../objects/index.ts';
export interface RequestSpec {
  instanceUuids: string[];
  numInstances: number;
  projectId: string;
  userId: string;
  flavor: Flavor;
  image: Image;
  availabilityZone: string | null;
  /** same_host, different_host, group, _nova_check_type, ... */
  schedulerHints: Record<string, string | string[]>;
  instanceGroup: InstanceGroup | null;
  ignoreHosts: string[];
  forceHosts: string[];
  forceNodes: string[];
  /** Hosts already tried for this build (RetryFilter). */
  retry: { numAttempts: number; hosts: string[] };
}

export type { AggregateInfo } from '../objects/index.ts';

/**
 * One compute node as the scheduler sees it. Mutable and kept live by HostManager; the scheduler
 * consumes from it within a request. `memoryMbUsed`, `localGbUsed` and `vcpusUsed` count instances
 * only; the reserved amounts are kept apart and subtracted where Nova's free_* values are derived.
 */
export interface HostState {
  host: string;
  nodename: string;
  /** Compute node / resource provider uuid. */
  uuid: string;
  hypervisorType: string;
  hypervisorVersion: number;
  cpuArch: string;
  /** [arch, hv_type, vm_mode] triples. */
  supportedInstances: Array<[string, string, string]>;
  /** For ComputeCapabilitiesFilter: stats and cpu_info keys (values may be JSON). */
  capabilities: Record<string, string>;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  numInstances: number;
  /** Instance uuids on the host. */
  instances: Set<string>;
  availabilityZone: string;
  aggregates: AggregateInfo[];
  serviceUp: boolean;
  serviceDisabled: boolean;
  failedBuilds: number;
}

export interface Selection {
  host: string;
  nodename: string;
  uuid: string;
  instanceUuid: string;
}
