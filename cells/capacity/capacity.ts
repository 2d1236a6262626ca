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
  const known = unitsKnown(c.units, f.id);
  if (known !== undefined) return known;
  return unitsOn({ vcpus: c.vcpusFree, memoryMb: c.memoryMbFree, diskGb: c.diskGbFree }, f);
}

/**
 * Units by flavor id. Flavor ids are chosen by admins and `__proto__` is a valid one, so units live in
 * objects without a prototype and are read through `unitsKnown`, never as a bare property.
 */
export function newUnits(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** A flavor's own entry in `units`, or undefined (an inherited member such as `__proto__` is no entry). */
function unitsKnown(units: Readonly<Record<string, number>>, flavorId: string): number | undefined {
  return Object.hasOwn(units, flavorId) ? units[flavorId] : undefined;
}

/** `units` copied into an object without a prototype (a received report's units come as a plain object). */
function copyUnits(units: Readonly<Record<string, number>>): Record<string, number> {
  const out = newUnits();
  for (const k in units) if (Object.hasOwn(units, k)) out[k] = units[k]!;
  return out;
}

export function emptyCapacity(): Capacity {
  return {
    vcpus: 0, vcpusFree: 0, memoryMb: 0, memoryMbFree: 0, diskGb: 0, diskGbFree: 0, hostsUp: 0, hosts: 0, units: newUnits(),
    hypervisorTypes: [], cpuArchs: [], availabilityZones: [],
  };
}

/** What one host has and has free, by placement's formula. */
export interface HostFree { vcpus: number; memoryMb: number; diskGb: number; vcpusCap: number; memoryCap: number; diskCap: number }

/** Placement's capacity formula: (total - reserved) × allocation ratio. */
export function hostFree(h: HostState, out: HostFree = { vcpus: 0, memoryMb: 0, diskGb: 0, vcpusCap: 0, memoryCap: 0, diskCap: 0 }): HostFree {
  out.vcpusCap = Math.floor(h.vcpus * h.cpuAllocationRatio);
  out.memoryCap = Math.floor((h.memoryMb - h.reservedHostMemoryMb) * h.ramAllocationRatio);
  out.diskCap = Math.floor((h.localGb - Math.ceil(h.reservedHostDiskMb / 1024)) * h.diskAllocationRatio);
  out.vcpus = out.vcpusCap - h.vcpusUsed;
  out.memoryMb = out.memoryCap - h.memoryMbUsed;
  out.diskGb = out.diskCap - h.localGbUsed;
  return out;
}

export { flavorDiskGb };

/** How many instances of `f` fit in the given free resources of one host. */
export function unitsOn(free: { vcpus: number; memoryMb: number; diskGb: number }, f: FlavorSpec): number {
  let n = Math.min(Math.floor(free.vcpus / f.vcpus), Math.floor(free.memoryMb / f.memoryMb));
  const disk = flavorDiskGb(f);
  if (disk > 0) n = Math.min(n, Math.floor(free.diskGb / disk));
  return Math.max(0, n);
}

/** Capacity of a leaf cell from its live host states (it runs on every report, over every host: one scratch HostFree). */
export function leafCapacity(hosts: readonly HostState[], flavors: readonly FlavorSpec[]): Capacity {
  const c = emptyCapacity();
  const nf = flavors.length;
  const counts = new Array<number>(nf).fill(0);
  const free: HostFree = { vcpus: 0, memoryMb: 0, diskGb: 0, vcpusCap: 0, memoryCap: 0, diskCap: 0 };
  const hv: string[] = [];
  const arch: string[] = [];
  const az: string[] = [];
  for (const h of hosts) {
    c.hosts++;
    if (!h.serviceUp || h.serviceDisabled) continue;
    c.hostsUp++;
    hostFree(h, free);
    c.vcpus += free.vcpusCap;
    c.memoryMb += free.memoryCap;
    c.diskGb += free.diskCap;
    c.vcpusFree += Math.max(0, free.vcpus);
    c.memoryMbFree += Math.max(0, free.memoryMb);
    c.diskGbFree += Math.max(0, free.diskGb);
    for (let i = 0; i < nf; i++) counts[i]! += unitsOn(free, flavors[i]!);
    addName(hv, h.hypervisorType);
    addName(arch, h.cpuArch);
    addName(az, h.availabilityZone);
  }
  for (let i = 0; i < nf; i++) c.units[flavors[i]!.id] = counts[i]!;
  c.hypervisorTypes = hv.sort();
  c.cpuArchs = arch.sort();
  c.availabilityZones = az.sort();
  return c;
}

/** Add `name` to `list` unless it is there (a cell has a handful of hypervisor types, architectures and zones). */
export function addName(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

export function sumCapacities(list: readonly Capacity[]): Capacity {
  const c = emptyCapacity();
  const hv: string[] = [];
  const arch: string[] = [];
  const az: string[] = [];
  for (const x of list) {
    c.vcpus += x.vcpus; c.vcpusFree += x.vcpusFree;
    c.memoryMb += x.memoryMb; c.memoryMbFree += x.memoryMbFree;
    c.diskGb += x.diskGb; c.diskGbFree += x.diskGbFree;
    c.hostsUp += x.hostsUp; c.hosts += x.hosts;
    const u = x.units;
    for (const k in u) if (Object.hasOwn(u, k)) c.units[k] = (c.units[k] ?? 0) + u[k]!;
    for (const t of x.hypervisorTypes) addName(hv, t);
    for (const t of x.cpuArchs) addName(arch, t);
    for (const t of x.availabilityZones) addName(az, t);
  }
  c.hypervisorTypes = hv.sort();
  c.cpuArchs = arch.sort();
  c.availabilityZones = az.sort();
  return c;
}

const SCALARS = ['vcpus', 'vcpusFree', 'memoryMb', 'memoryMbFree', 'diskGb', 'diskGbFree', 'hostsUp', 'hosts'] as const;
const NAME_LISTS = ['hypervisorTypes', 'cpuArchs', 'availabilityZones'] as const;

/** The fields of `next` that differ from `prev` (units only by changed flavor). Empty when nothing changed. */
export function diffCapacity(prev: Capacity, next: Capacity): Partial<Capacity> {
  const d: Partial<Capacity> = {};
  for (const k of SCALARS) if (prev[k] !== next[k]) d[k] = next[k];
  let units: Record<string, number> | undefined;
  const nu = next.units;
  for (const k in nu) {
    if (!Object.hasOwn(nu, k)) continue;
    const v = nu[k]!;
    if (unitsKnown(prev.units, k) !== v) (units ??= newUnits())[k] = v;
  }
  if (units) d.units = units;
  for (const k of NAME_LISTS) if (!sameNames(prev[k], next[k])) d[k] = next[k];
  return d;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `base` with the delta applied, as a new Capacity; its units are `base`'s own when the delta has none
 * (nobody edits a Capacity in place).
 */
export function applyDelta(base: Capacity, d: Partial<Capacity>): Capacity {
  const du = d.units;
  if (!du) return { ...base, ...d, units: base.units };
  const units = copyUnits(base.units);
  for (const k in du) if (Object.hasOwn(du, k)) units[k] = du[k]!;
  return { ...base, ...d, units };
}

export function isEmptyDelta(d: Partial<Capacity>): boolean {
  return Object.keys(d).length === 0;
}
