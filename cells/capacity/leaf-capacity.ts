/**
 * A leaf cell's capacity kept current host by host: what `leafCapacity` computes over every host, but
 * after a change only the hosts whose numbers, service state or names changed are counted again (a
 * build moves one host; a leaf reports after every change). HostArrays stamps each slot with the
 * revision of its last change, and nothing is looked at while the revision stands. Each host's share
 * (its capacities, free resources and per-flavor units) is kept per slot; the totals are summed again
 * in slot order as `leafCapacity` sums them (cheap next to counting a host), so the result is the
 * same to the bit.
 */
import type { HostArrays } from '../../actors/scheduler/host-arrays.ts';
import type { FlavorSpec, HostState } from '../../actors/scheduler/types.ts';
import { addName, hostFree, newUnits, unitsOn, type Capacity, type HostFree } from './capacity.ts';

/** Per slot in `share`: vcpusCap, memoryCap, diskCap, then the free vCPUs, RAM and disk (not below 0). */
const SHARE = 6;

export class LeafCapacityTracker {
  private hosts: readonly HostState[] | undefined;
  private flavors: readonly FlavorSpec[] = [];
  /** The arrays' revision when `last` was computed. */
  private seen = -1;
  private last: Capacity | undefined;
  private share = new Float64Array(0);
  /** Per slot: 1 when the host is counted (service up, not disabled). */
  private counted = new Uint8Array(0);
  /** Per slot × flavor: how many instances of the flavor fit on the host. */
  private fits = new Float64Array(0);
  /** Per slot: the names the host was counted with (its hypervisor type, architecture, zone). */
  private names: string[] = [];
  private readonly free: HostFree = { vcpus: 0, memoryMb: 0, diskGb: 0, vcpusCap: 0, memoryCap: 0, diskCap: 0 };

  constructor(private readonly arrays: HostArrays) {}

  /** The capacity of `hosts` (the HostManager's hosts(), slot i = hosts[i]); the last object while nothing changed. */
  capacity(hosts: readonly HostState[], flavors: readonly FlavorSpec[]): Capacity {
    if (hosts !== this.hosts || flavors !== this.flavors || !this.last) return this.rebuild(hosts, flavors);
    const a = this.arrays;
    if (a.revision === this.seen) return this.last;
    const stamps = a.stamps;
    const names = this.names;
    const n = hosts.length;
    let namesChanged = false;
    for (let s = 0; s < n; s++) {
      if (stamps[s]! <= this.seen) continue;
      const h = hosts[s]!;
      const k = 3 * s;
      const wasCounted = this.counted[s];
      if (h.hypervisorType !== names[k] || h.cpuArch !== names[k + 1] || h.availabilityZone !== names[k + 2]) namesChanged = true;
      this.count(s, h);
      if (wasCounted !== this.counted[s]) namesChanged = true;
    }
    this.seen = a.revision;
    return (this.last = this.total(n, namesChanged ? undefined : this.last));
  }

  private rebuild(hosts: readonly HostState[], flavors: readonly FlavorSpec[]): Capacity {
    const n = hosts.length;
    const nf = flavors.length;
    this.hosts = hosts;
    this.flavors = flavors;
    this.share = new Float64Array(n * SHARE);
    this.counted = new Uint8Array(n);
    this.fits = new Float64Array(n * nf);
    this.names = new Array<string>(3 * n);
    for (let s = 0; s < n; s++) this.count(s, hosts[s]!);
    this.seen = this.arrays.revision;
    return (this.last = this.total(n, undefined));
  }

  /** Count slot s again: its share replaces the one it had. */
  private count(s: number, h: HostState): void {
    const k = 3 * s;
    this.names[k] = h.hypervisorType;
    this.names[k + 1] = h.cpuArch;
    this.names[k + 2] = h.availabilityZone;
    const flavors = this.flavors;
    const nf = flavors.length;
    const fits = this.fits;
    const o = s * nf;
    const sh = this.share;
    const j = s * SHARE;
    if (!h.serviceUp || h.serviceDisabled) {
      this.counted[s] = 0;
      sh.fill(0, j, j + SHARE);
      fits.fill(0, o, o + nf);
      return;
    }
    this.counted[s] = 1;
    const free = hostFree(h, this.free);
    sh[j] = free.vcpusCap;
    sh[j + 1] = free.memoryCap;
    sh[j + 2] = free.diskCap;
    sh[j + 3] = Math.max(0, free.vcpus);
    sh[j + 4] = Math.max(0, free.memoryMb);
    sh[j + 5] = Math.max(0, free.diskGb);
    for (let i = 0; i < nf; i++) fits[o + i] = unitsOn(free, flavors[i]!);
  }

  /** A new Capacity from the shares (summed in slot order); names from `prev` when they cannot have changed. */
  private total(n: number, prev: Capacity | undefined): Capacity {
    const nf = this.flavors.length;
    const sh = this.share;
    const fits = this.fits;
    const sums = new Array<number>(nf).fill(0);
    let vcpus = 0, memoryMb = 0, diskGb = 0, vcpusFree = 0, memoryMbFree = 0, diskGbFree = 0, hostsUp = 0;
    for (let s = 0; s < n; s++) {
      if (this.counted[s] === 0) continue;
      const j = s * SHARE;
      hostsUp++;
      vcpus += sh[j]!;
      memoryMb += sh[j + 1]!;
      diskGb += sh[j + 2]!;
      vcpusFree += sh[j + 3]!;
      memoryMbFree += sh[j + 4]!;
      diskGbFree += sh[j + 5]!;
      const o = s * nf;
      for (let i = 0; i < nf; i++) sums[i]! += fits[o + i]!;
    }
    const units = newUnits();
    for (let i = 0; i < nf; i++) units[this.flavors[i]!.id] = sums[i]!;
    const names = prev ?? this.nameLists(n);
    return {
      vcpus, vcpusFree, memoryMb, memoryMbFree, diskGb, diskGbFree, hostsUp, hosts: n, units,
      hypervisorTypes: names.hypervisorTypes, cpuArchs: names.cpuArchs, availabilityZones: names.availabilityZones,
    };
  }

  /** The names of the counted hosts, in leafCapacity's order (sorted, each once). */
  private nameLists(n: number): Pick<Capacity, 'hypervisorTypes' | 'cpuArchs' | 'availabilityZones'> {
    const lists: [string[], string[], string[]] = [[], [], []];
    for (let s = 0; s < n; s++) {
      if (this.counted[s] === 0) continue;
      for (let k = 0; k < 3; k++) addName(lists[k]!, this.names[3 * s + k]!);
    }
    return { hypervisorTypes: lists[0].sort(), cpuArchs: lists[1].sort(), availabilityZones: lists[2].sort() };
  }
}
