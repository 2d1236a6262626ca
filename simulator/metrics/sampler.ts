/**
 * Utilisation samples: at each sample time, vCPU, RAM and disk use as a fraction of what the hosts that
 * are up can give (placement capacity), overall, per region, per leaf cell and (for small topologies)
 * per host; and fragmentation: the share of free RAM on hosts where no flavor of the mix fits any more.
 */
import type { TopologyPlan } from '../../topology/plan-types.ts';
import { capacityOf, fitCount, type FlavorNeed } from '../capacity.ts';
import type { SimHostUsage } from '../target.ts';

export interface Util {
  vcpu: number;
  ram: number;
  disk: number;
}

export interface Sample {
  /** Seconds from the start of the run. */
  t: number;
  overall: Util;
  hostsUp: number;
  /** Free RAM (MB) on hosts that are up, and the part of it no flavor of the mix can use. */
  freeRamMb: number;
  strandedRamMb: number;
  /** strandedRamMb / freeRamMb (0 when nothing is free). */
  fragmentation: number;
  activeInstances: number;
  /** Same order as Sampler.regions / Sampler.cells. */
  regions: Util[];
  cells: (Util & { hostsUp: number })[];
  /** Per leaf cell (Sampler.cells order), per flavor of the mix (Sampler.flavors order): how many more fit on its hosts that are up. */
  headroom: number[][];
}

/** Per-host series are kept while hosts × samples stays under this. */
export const HOST_SERIES_LIMIT = 1_000_000;

class Acc {
  used = [0, 0, 0];
  cap = [0, 0, 0];
  up = 0;
  util(): Util {
    const f = (i: number) => (this.cap[i]! > 0 ? this.used[i]! / this.cap[i]! : 0);
    return { vcpu: f(0), ram: f(1), disk: f(2) };
  }
}

export class Sampler {
  readonly regions: string[];
  readonly cells: string[];
  readonly samples: Sample[] = [];
  /** Per host, per sample: RAM utilisation (only when small enough; see HOST_SERIES_LIMIT). */
  readonly hostSeries: Float32Array[] | null;
  readonly hostNames: string[];
  /** Flavor names of the headroom columns. */
  readonly flavors: string[];
  private readonly regionOfCell: Map<string, number>;
  private readonly cellIndex: Map<string, number>;
  private readonly ramSum: Float64Array;
  private readonly ramMax: Float64Array;

  constructor(plan: TopologyPlan, private readonly needs: FlavorNeed[], expectedSamples: number) {
    const leaves = plan.cells.filter((c) => c.isLeaf && plan.hosts.length > 0);
    this.cells = leaves.map((c) => c.path);
    this.cellIndex = new Map(this.cells.map((c, i) => [c, i]));
    this.regions = [...new Set(leaves.map((c) => c.site?.region ?? '(no region)'))];
    this.regionOfCell = new Map(leaves.map((c) => [c.path, this.regions.indexOf(c.site?.region ?? '(no region)')]));
    this.hostNames = plan.hosts.map((h) => h.name);
    this.flavors = needs.map((n) => n.name);
    this.hostSeries = plan.hosts.length * expectedSamples <= HOST_SERIES_LIMIT ? [] : null;
    this.ramSum = new Float64Array(plan.hosts.length);
    this.ramMax = new Float64Array(plan.hosts.length);
  }

  take(tSec: number, hosts: readonly SimHostUsage[], activeInstances: number): Sample {
    const all = new Acc();
    const regions = this.regions.map(() => new Acc());
    const cells = this.cells.map(() => new Acc());
    const headroom = this.cells.map(() => this.needs.map(() => 0));
    let free = 0;
    let stranded = 0;
    const series = this.hostSeries ? new Float32Array(hosts.length) : null;
    hosts.forEach((h, i) => {
      const u = h.usage;
      const c = capacityOf(u);
      const ramUtil = c.ramMb > 0 ? u.memoryMbUsed / c.ramMb : 0;
      if (series) series[i] = ramUtil;
      this.ramSum[i]! += ramUtil;
      if (ramUtil > this.ramMax[i]!) this.ramMax[i] = ramUtil;
      if (!h.up) return;
      const used = [u.vcpusUsed, u.memoryMbUsed, u.localGbUsed];
      const cap = [c.vcpus, c.ramMb, c.diskGb];
      const ci = this.cellIndex.get(h.cell);
      const targets = [all, ci === undefined ? undefined : cells[ci], ci === undefined ? undefined : regions[this.regionOfCell.get(h.cell)!]];
      for (const acc of targets) {
        if (!acc) continue;
        acc.up++;
        for (let k = 0; k < 3; k++) {
          acc.used[k]! += used[k]!;
          acc.cap[k]! += cap[k]!;
        }
      }
      const freeRam = Math.max(0, c.ramMb - u.memoryMbUsed);
      free += freeRam;
      let fitsAny = false;
      const row = ci === undefined ? undefined : headroom[ci];
      this.needs.forEach((n, k) => {
        const fit = fitCount(u, n);
        if (fit > 0) fitsAny = true;
        if (row && Number.isFinite(fit)) row[k]! += fit;
      });
      if (freeRam > 0 && !fitsAny) stranded += freeRam;
    });
    if (series) this.hostSeries!.push(series);
    const s: Sample = {
      t: tSec, overall: all.util(), hostsUp: all.up, freeRamMb: free, strandedRamMb: stranded,
      fragmentation: free > 0 ? stranded / free : 0, activeInstances,
      regions: regions.map((r) => r.util()), cells: cells.map((c) => ({ ...c.util(), hostsUp: c.up })), headroom,
    };
    this.samples.push(s);
    return s;
  }

  /** Per host: mean and peak RAM utilisation over the samples. */
  hostSummary(): { host: string; meanRam: number; peakRam: number }[] {
    const n = Math.max(1, this.samples.length);
    return this.hostNames.map((host, i) => ({ host, meanRam: this.ramSum[i]! / n, peakRam: this.ramMax[i]! }));
  }
}
