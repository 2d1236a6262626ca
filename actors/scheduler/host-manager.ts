/**
 * HostManager: the scheduler's live view of a cell's compute nodes (nova/scheduler/host_manager.py).
 * HostStates are kept and updated in place, indexed by node uuid and by host name, and `hosts()`
 * hands out one cached array, so a scheduling decision over 10,000 hosts copies nothing. Their
 * numbers live in a struct of arrays (`arrays`, host-arrays.ts) that the scheduler's fused pass
 * reads; slot i there is hosts()[i].
 */
import type { NovaConfig } from '../../runtime/config/index.ts';
import { HostArrays, StoredHost } from './host-arrays.ts';
import type { AggregateInfo, HostState } from './types.ts';

/** A compute node as its resource tracker reports it; omitted ratios/reserves come from config. */
export interface ComputeNodeRecord {
  host: string;
  nodename: string;
  uuid: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  hypervisorType?: string;
  hypervisorVersion?: number;
  cpuArch?: string;
  supportedInstances?: Array<[string, string, string]>;
  capabilities?: Record<string, string>;
  cpuAllocationRatio?: number;
  ramAllocationRatio?: number;
  diskAllocationRatio?: number;
  reservedHostMemoryMb?: number;
  reservedHostDiskMb?: number;
  /** The host's zone when no aggregate names one; defaults to DEFAULT.default_availability_zone. */
  availabilityZone?: string;
}

/** Usage by instances (reserved amounts excluded), as the resource tracker last counted it. */
export interface NodeUsage {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  numInstances: number;
}

interface PerHost {
  nodes: StoredHost[];
  up: boolean;
  disabled: boolean;
  aggregates: AggregateInfo[];
  /** Zone from the node record, used when no aggregate names one. */
  baseZone: string;
}

const NO_AGGREGATES: AggregateInfo[] = [];

export class HostManager {
  private readonly byUuid = new Map<string, StoredHost>();
  private readonly byHost = new Map<string, PerHost>();
  /** In slot order (edited in place); `cache` is the copy hosts() hands out, replaced on any change. */
  private list: StoredHost[] = [];
  /** Changes to what the arrays do not hold (names, zones): see revision(). */
  private namesRevision = 0;
  private cache: StoredHost[] | null = null;
  /** The hosts' numbers as a struct of arrays, in hosts() order. */
  readonly arrays = new HostArrays();
  private readonly defaults: {
    cpu: number; ram: number; disk: number; reservedMem: number; reservedDisk: number; zone: string;
  };

  constructor(config?: NovaConfig) {
    const d = config?.DEFAULT;
    this.defaults = {
      cpu: d?.cpu_allocation_ratio ?? 16.0,
      ram: d?.ram_allocation_ratio ?? 1.5,
      disk: d?.disk_allocation_ratio ?? 1.0,
      reservedMem: d?.reserved_host_memory_mb ?? 512,
      reservedDisk: d?.reserved_host_disk_mb ?? 0,
      zone: d?.default_availability_zone ?? 'nova',
    };
  }

  get size(): number {
    return this.byUuid.size;
  }

  /**
   * Grows whenever what hosts() describes may have changed: a node's numbers, service state, names or
   * zone, or the nodes themselves (not build-failure counts or instance lists). Equal revisions: equal hosts.
   */
  revision(): number {
    return this.arrays.revision + this.namesRevision;
  }

  /** All HostStates, live; the array is shared and only rebuilt when nodes come or go. */
  hosts(): readonly HostState[] {
    if (this.cache === null) this.cache = this.list.slice();
    return this.cache;
  }

  get(uuid: string): HostState | undefined {
    return this.byUuid.get(uuid);
  }

  /** Nodes of one compute host (one for libvirt, several for ironic-like drivers). */
  nodesOf(host: string): readonly HostState[] {
    return this.byHost.get(host)?.nodes ?? [];
  }

  /** Add a node or refresh its inventory; usage already counted is kept. */
  upsertComputeNode(rec: ComputeNodeRecord): HostState {
    const existing = this.byUuid.get(rec.uuid);
    if (existing && existing.host !== rec.host) this.removeComputeNode(rec.uuid);
    const per = this.perHost(rec.host);
    this.namesRevision++;
    if (rec.availabilityZone !== undefined) per.baseZone = rec.availabilityZone;
    let h = existing && existing.host === rec.host ? existing : undefined;
    if (!h) {
      h = new StoredHost(this.arrays, this.arrays.add(), rec);
      this.byUuid.set(rec.uuid, h);
      per.nodes.push(h);
      this.list.push(h);
      this.cache = null;
    }
    const { hypervisorType, cpuArch } = h;
    h.nodename = rec.nodename;
    h.vcpus = rec.vcpus;
    h.memoryMb = rec.memoryMb;
    h.localGb = rec.localGb;
    if (rec.hypervisorType !== undefined) h.hypervisorType = rec.hypervisorType;
    if (rec.hypervisorVersion !== undefined) h.hypervisorVersion = rec.hypervisorVersion;
    if (rec.cpuArch !== undefined) h.cpuArch = rec.cpuArch;
    if (rec.supportedInstances !== undefined) h.supportedInstances = rec.supportedInstances;
    if (rec.capabilities !== undefined) h.capabilities = rec.capabilities;
    h.cpuAllocationRatio = rec.cpuAllocationRatio ?? this.defaults.cpu;
    h.ramAllocationRatio = rec.ramAllocationRatio ?? this.defaults.ram;
    h.diskAllocationRatio = rec.diskAllocationRatio ?? this.defaults.disk;
    h.reservedHostMemoryMb = rec.reservedHostMemoryMb ?? this.defaults.reservedMem;
    h.reservedHostDiskMb = rec.reservedHostDiskMb ?? this.defaults.reservedDisk;
    h.serviceUp = per.up;
    h.serviceDisabled = per.disabled;
    h.aggregates = per.aggregates;
    const zone = zoneOf(per);
    if (h.hypervisorType !== hypervisorType || h.cpuArch !== cpuArch || h.availabilityZone !== zone) this.arrays.touch(h.slot);
    h.availabilityZone = zone;
    return h;
  }

  removeComputeNode(uuid: string): boolean {
    const h = this.byUuid.get(uuid);
    if (!h) return false;
    this.byUuid.delete(uuid);
    const slot = h.slot;
    h.detach();
    this.arrays.remove(slot);
    this.list.splice(slot, 1);
    this.cache = null;
    for (let i = slot; i < this.list.length; i++) this.list[i]!.slot = i;
    const per = this.byHost.get(h.host);
    if (per) {
      per.nodes = per.nodes.filter((n) => n !== h);
      if (per.nodes.length === 0 && per.aggregates.length === 0) this.byHost.delete(h.host);
    }
    return true;
  }

  /** The resource tracker's periodic count; overwrites what the scheduler consumed in between. */
  setUsage(uuid: string, usage: NodeUsage): void {
    const h = this.byUuid.get(uuid);
    if (!h) return;
    h.vcpusUsed = usage.vcpus;
    h.memoryMbUsed = usage.memoryMb;
    h.localGbUsed = usage.diskGb;
    h.numInstances = usage.numInstances;
  }

  /** nova-compute's service record: heartbeat freshness (up) and the admin's disable. */
  setServiceState(host: string, state: { up: boolean; disabled: boolean }): void {
    const per = this.perHost(host);
    per.up = state.up;
    per.disabled = state.disabled;
    for (const h of per.nodes) {
      h.serviceUp = state.up;
      h.serviceDisabled = state.disabled;
    }
  }

  /** Host aggregates the host belongs to; a zone named by one becomes the host's zone. */
  setAggregates(host: string, aggregates: AggregateInfo[]): void {
    const per = this.perHost(host);
    this.namesRevision++;
    per.aggregates = aggregates.length === 0 ? NO_AGGREGATES : aggregates;
    const zone = zoneOf(per);
    for (const h of per.nodes) {
      h.aggregates = per.aggregates;
      if (h.availabilityZone !== zone) this.arrays.touch(h.slot);
      h.availabilityZone = zone;
    }
  }

  /** `nodename` picks the node on a multi-node host; the first node otherwise. */
  addInstance(host: string, instanceUuid: string, nodename?: string): void {
    const nodes = this.byHost.get(host)?.nodes ?? [];
    const h = (nodename === undefined ? undefined : nodes.find((n) => n.nodename === nodename)) ?? nodes[0];
    if (h && !h.instances.has(instanceUuid)) {
      h.instances.add(instanceUuid);
      h.numInstances += 1;
    }
  }

  removeInstance(host: string, instanceUuid: string): void {
    for (const h of this.byHost.get(host)?.nodes ?? []) {
      if (h.instances.delete(instanceUuid)) h.numInstances = Math.max(0, h.numInstances - 1);
    }
  }

  /** Counted by BuildFailureWeigher; the compute manager reports each failed build. */
  recordBuildFailure(host: string): void {
    for (const h of this.byHost.get(host)?.nodes ?? []) h.failedBuilds += 1;
  }

  /** A successful build clears the count, as Nova's compute manager does. */
  resetBuildFailures(host: string): void {
    for (const h of this.byHost.get(host)?.nodes ?? []) h.failedBuilds = 0;
  }

  private perHost(host: string): PerHost {
    let per = this.byHost.get(host);
    if (!per) {
      per = { nodes: [], up: true, disabled: false, aggregates: NO_AGGREGATES, baseZone: this.defaults.zone };
      this.byHost.set(host, per);
    }
    return per;
  }
}

/** Nova joins the zones of all the host's aggregates; none means the configured default. */
function zoneOf(per: PerHost): string {
  let zone = '';
  for (const a of per.aggregates) {
    if (a.availabilityZone && !zone.split(',').includes(a.availabilityZone)) {
      zone = zone === '' ? a.availabilityZone : `${zone},${a.availabilityZone}`;
    }
  }
  return zone === '' ? per.baseZone : zone;
}
