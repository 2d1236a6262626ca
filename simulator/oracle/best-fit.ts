/**
 * The oracle's placement: flat and omniscient. It sees every host of every cell at once, with exact
 * usage and no delay, and puts each instance on the host with the least free RAM that fits it (best
 * fit), honouring availability zones, `target_cell` hints and server-group policies. Capacity is counted
 * as the control plane counts it (simulator/capacity.ts), so the two are comparable.
 */
import type { TopologyPlan } from '../../topology/plan-types.ts';
import { capacityOf, fitCount, type FlavorNeed, type HostUsage } from '../capacity.ts';
import type { GroupPolicy } from '../scenario/schema-workload.ts';
import { RamIndex } from './ram-index.ts';

export interface OracleHost {
  name: string;
  cell: string;
  zone: string;
  up: boolean;
  usage: HostUsage;
  ramCap: number;
}

export interface Placement {
  hosts: number[];
}

export class BestFit {
  readonly hosts: OracleHost[];
  private readonly all = new RamIndex();
  private readonly byZone = new Map<string, RamIndex>();

  constructor(plan: TopologyPlan) {
    const cellConfig = new Map(plan.cells.map((c) => [c.path, c.nova.DEFAULT]));
    this.hosts = plan.hosts.map((h) => {
      const d = cellConfig.get(h.cell)!;
      const usage: HostUsage = {
        vcpus: h.vcpus, vcpusUsed: 0, memoryMb: h.memory_mb, memoryMbUsed: 0, localGb: h.disk_gb, localGbUsed: 0,
        cpuAllocationRatio: d.cpu_allocation_ratio, ramAllocationRatio: d.ram_allocation_ratio, diskAllocationRatio: d.disk_allocation_ratio,
        reservedHostMemoryMb: d.reserved_host_memory_mb, reservedHostDiskMb: d.reserved_host_disk_mb,
      };
      return { name: h.name, cell: h.cell, zone: h.availability_zone, up: true, usage, ramCap: capacityOf(usage).ramMb };
    });
    this.hosts.forEach((_, i) => this.index(i));
  }

  private zoneIndex(zone: string): RamIndex {
    let z = this.byZone.get(zone);
    if (!z) this.byZone.set(zone, (z = new RamIndex()));
    return z;
  }

  private free(i: number): number {
    const h = this.hosts[i]!;
    return h.ramCap - h.usage.memoryMbUsed;
  }

  private index(i: number): void {
    this.all.add(i, this.free(i));
    this.zoneIndex(this.hosts[i]!.zone).add(i, this.free(i));
  }

  private unindex(i: number): void {
    this.all.remove(i, this.free(i));
    this.zoneIndex(this.hosts[i]!.zone).remove(i, this.free(i));
  }

  setUp(i: number, up: boolean): void {
    const h = this.hosts[i]!;
    if (h.up === up) return;
    h.up = up;
    if (up) this.index(i);
    else this.unindex(i);
  }

  /** Add (sign 1) or remove (sign -1) `n` instances of `f` on host i. */
  consume(i: number, f: FlavorNeed, n: number, sign: 1 | -1): void {
    const h = this.hosts[i]!;
    if (h.up) this.unindex(i);
    h.usage.vcpusUsed += sign * n * f.vcpus;
    h.usage.memoryMbUsed += sign * n * f.ramMb;
    h.usage.localGbUsed += sign * n * f.diskGb;
    if (h.up) this.index(i);
  }

  private findHost(f: FlavorNeed, n: number, zone: string | null, cell: string | null, exclude: ReadonlySet<number> | null): number | undefined {
    const index = zone !== null ? this.byZone.get(zone) : this.all;
    if (!index) return undefined;
    return index.find(f.ramMb * n, (i) => {
      if (exclude?.has(i)) return false;
      if (cell !== null) {
        const c = this.hosts[i]!.cell;
        if (c !== cell && !c.startsWith(`${cell}!`)) return false;
      }
      return fitCount(this.hosts[i]!.usage, f) >= n;
    });
  }

  /** Place `count` instances all-or-nothing; returns the chosen host per instance, or null. */
  place(f: FlavorNeed, count: number, zone: string | null, cell: string | null, policy: GroupPolicy | null): number[] | null {
    if (policy === 'affinity' || policy === 'soft-affinity') {
      const h = this.findHost(f, count, zone, cell, null);
      if (h !== undefined) {
        this.consume(h, f, count, 1);
        return new Array<number>(count).fill(h);
      }
      if (policy === 'affinity') return null;
    }
    const spread = policy === 'anti-affinity' || policy === 'soft-anti-affinity';
    const chosen = this.placeEach(f, count, zone, cell, spread);
    if (chosen || policy !== 'soft-anti-affinity') return chosen;
    return this.placeEach(f, count, zone, cell, false);
  }

  private placeEach(f: FlavorNeed, count: number, zone: string | null, cell: string | null, distinct: boolean): number[] | null {
    const chosen: number[] = [];
    const used = distinct ? new Set<number>() : null;
    for (let k = 0; k < count; k++) {
      const h = this.findHost(f, 1, zone, cell, used);
      if (h === undefined) {
        for (const c of chosen) this.consume(c, f, 1, -1);
        return null;
      }
      this.consume(h, f, 1, 1);
      used?.add(h);
      chosen.push(h);
    }
    return chosen;
  }
}
