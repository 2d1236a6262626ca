/**
 * A cell's free capacity: vCPU, RAM and disk with allocation ratios (down or disabled hosts left out),
 * and per flavor how many more instances still fit (cells v1's units_by_mb, generalised to whole
 * flavors: an instance fits on a host only if all three resources fit there). Parents sum children.
 */
import type { Capacity } from '../messages.ts';
import { flavorDiskGb } from '../../actors/objects/index.ts';
import type { FlavorSpec, HostState } from '../../actors/scheduler/types.ts';

export type { Capacity };

/**
 * How many instances of a flavor fit: the subtree's own count when it knows the flavor, else (a flavor
 * created since the last report) an estimate from the free totals, which can only over-estimate; the
 * leaf's host scheduler has the last word and hands the build back if it was wrong.
 */
export function unitsOf(c: Capacity, f: FlavorSpec): number {
  const known = c.units[f.id];
  if (known !== undefined) return known;
  return unitsOn({ vcpus: c.vcpusFree, memoryMb: c.memoryMbFree, diskGb: c.diskGbFree }, f);
}

export function emptyCapacity(): Capacity {
  return {
    vcpus: 0, vcpusFree: 0, memoryMb: 0, memoryMbFree: 0, diskGb: 0, diskGbFree: 0, hostsUp: 0, hosts: 0, units: {},
    hypervisorTypes: [], cpuArchs: [], availabilityZones: [],
  };
}

/** Placement's capacity formula: (total - reserved) × allocation ratio. */
export function hostFree(h: HostState): { vcpus: number; memoryMb: number; diskGb: number; vcpusCap: number; memoryCap: number; diskCap: number } {
  const vcpusCap = Math.floor(h.vcpus * h.cpuAllocationRatio);
  const memoryCap = Math.floor((h.memoryMb - h.reservedHostMemoryMb) * h.ramAllocationRatio);
  const diskCap = Math.floor((h.localGb - Math.ceil(h.reservedHostDiskMb / 1024)) * h.diskAllocationRatio);
  return {
    vcpus: vcpusCap - h.vcpusUsed, memoryMb: memoryCap - h.memoryMbUsed, diskGb: diskCap - h.localGbUsed,
    vcpusCap, memoryCap, diskCap,
  };
}

export { flavorDiskGb };

/** How many instances of `f` fit in the given free resources of one host. */
export function unitsOn(free: { vcpus: number; memoryMb: number; diskGb: number }, f: FlavorSpec): number {
  let n = Math.min(Math.floor(free.vcpus / f.vcpus), Math.floor(free.memoryMb / f.memoryMb));
  const disk = flavorDiskGb(f);
  if (disk > 0) n = Math.min(n, Math.floor(free.diskGb / disk));
  return Math.max(0, n);
}

/** Capacity of a leaf cell from its live host states. */
export function leafCapacity(hosts: readonly HostState[], flavors: readonly FlavorSpec[]): Capacity {
  const c = emptyCapacity();
  const hv = new Set<string>();
  const arch = new Set<string>();
  const az = new Set<string>();
  for (const f of flavors) c.units[f.id] = 0;
  for (const h of hosts) {
    c.hosts++;
    if (!h.serviceUp || h.serviceDisabled) continue;
    c.hostsUp++;
    const free = hostFree(h);
    c.vcpus += free.vcpusCap;
    c.memoryMb += free.memoryCap;
    c.diskGb += free.diskCap;
    c.vcpusFree += Math.max(0, free.vcpus);
    c.memoryMbFree += Math.max(0, free.memoryMb);
    c.diskGbFree += Math.max(0, free.diskGb);
    for (const f of flavors) c.units[f.id]! += unitsOn(free, f);
    hv.add(h.hypervisorType);
    arch.add(h.cpuArch);
    az.add(h.availabilityZone);
  }
  c.hypervisorTypes = [...hv].sort();
  c.cpuArchs = [...arch].sort();
  c.availabilityZones = [...az].sort();
  return c;
}

export function sumCapacities(list: readonly Capacity[]): Capacity {
  const c = emptyCapacity();
  const hv = new Set<string>();
  const arch = new Set<string>();
  const az = new Set<string>();
  for (const x of list) {
    c.vcpus += x.vcpus; c.vcpusFree += x.vcpusFree;
    c.memoryMb += x.memoryMb; c.memoryMbFree += x.memoryMbFree;
    c.diskGb += x.diskGb; c.diskGbFree += x.diskGbFree;
    c.hostsUp += x.hostsUp; c.hosts += x.hosts;
    for (const [k, v] of Object.entries(x.units)) c.units[k] = (c.units[k] ?? 0) + v;
    x.hypervisorTypes.forEach((t) => hv.add(t));
    x.cpuArchs.forEach((t) => arch.add(t));
    x.availabilityZones.forEach((t) => az.add(t));
  }
  c.hypervisorTypes = [...hv].sort();
  c.cpuArchs = [...arch].sort();
  c.availabilityZones = [...az].sort();
  return c;
}

/** The fields of `next` that differ from `prev` (units only by changed flavor). Empty when nothing changed. */
export function diffCapacity(prev: Capacity, next: Capacity): Partial<Capacity> {
  const d: Partial<Capacity> = {};
  const scalars = ['vcpus', 'vcpusFree', 'memoryMb', 'memoryMbFree', 'diskGb', 'diskGbFree', 'hostsUp', 'hosts'] as const;
  for (const k of scalars) if (prev[k] !== next[k]) d[k] = next[k];
  const units: Record<string, number> = {};
  let anyUnit = false;
  for (const [k, v] of Object.entries(next.units)) {
    if (prev.units[k] !== v) {
      units[k] = v;
      anyUnit = true;
    }
  }
  if (anyUnit) d.units = units;
  for (const k of ['hypervisorTypes', 'cpuArchs', 'availabilityZones'] as const) {
    if (prev[k].join() !== next[k].join()) d[k] = next[k];
  }
  return d;
}

export function applyDelta(base: Capacity, d: Partial<Capacity>): Capacity {
  return { ...base, ...d, units: { ...base.units, ...(d.units ?? {}) } };
}

export function isEmptyDelta(d: Partial<Capacity>): boolean {
  return Object.keys(d).length === 0;
}
