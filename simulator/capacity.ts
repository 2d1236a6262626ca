/**
 * Host capacity as the control plane counts it, shared by the metrics and the oracle so both agree on
 * what "fits": placement's capacity per resource class, floor((total - reserved) * allocation_ratio),
 * and no instance larger than the host itself (placement's max_unit).
 */
import type { PlanFlavor } from '../topology/plan-types.ts';
import { flavorDiskGb, flavorOfRecord } from '../actors/objects/index.ts';

/** The fields of a scheduler HostState that capacity needs (a HostState satisfies it). */
export interface HostUsage {
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
}

/** What one instance of a flavor takes (placement's VCPU, MEMORY_MB and DISK_GB). */
export interface FlavorNeed {
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
}

export function flavorNeed(f: PlanFlavor): FlavorNeed {
  return { name: f.name, vcpus: f.vcpus, ramMb: f.ram, diskGb: flavorDiskGb(flavorOfRecord({ ...f, extraSpecs: f.extra_specs })) };
}

export interface Capacity {
  vcpus: number;
  ramMb: number;
  diskGb: number;
}

export function capacityOf(h: HostUsage): Capacity {
  return {
    vcpus: Math.floor(h.vcpus * h.cpuAllocationRatio),
    ramMb: Math.floor((h.memoryMb - h.reservedHostMemoryMb) * h.ramAllocationRatio),
    diskGb: Math.floor((h.localGb - Math.ceil(h.reservedHostDiskMb / 1024)) * h.diskAllocationRatio),
  };
}

/** How many more instances of `f` fit on the host (Infinity when the flavor needs nothing). */
export function fitCount(h: HostUsage, f: FlavorNeed): number {
  if (f.vcpus > h.vcpus || f.ramMb > h.memoryMb || f.diskGb > h.localGb) return 0;
  const c = capacityOf(h);
  let n = Infinity;
  if (f.vcpus > 0) n = Math.min(n, Math.floor((c.vcpus - h.vcpusUsed) / f.vcpus));
  if (f.ramMb > 0) n = Math.min(n, Math.floor((c.ramMb - h.memoryMbUsed) / f.ramMb));
  if (f.diskGb > 0) n = Math.min(n, Math.floor((c.diskGb - h.localGbUsed) / f.diskGb));
  return Math.max(0, n);
}
