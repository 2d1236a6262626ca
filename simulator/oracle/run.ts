/**
 * Replaying the workload against the oracle: the same requests (a second generator with the same
 * seed), the same hosts going down and coming back, deletes at the end of each lifetime, and samples at
 * the same times as the real run — but placement is instant, flat and best-fit (best-fit.ts). What the
 * hierarchy achieves is reported against what this achieves.
 */
import { SeededRng } from '../../runtime/rng/index.ts';
import { flavorNeed, type FlavorNeed } from '../capacity.ts';
import { faultTimeline } from '../faults/timeline.ts';
import { Sampler, type Sample } from '../metrics/sampler.ts';
import type { Scenario } from '../scenario/model.ts';
import type { SimHostUsage } from '../target.ts';
import { WorkloadGenerator, type SimRequestSpec } from '../workload/generator.ts';
import { BestFit } from './best-fit.ts';

export interface OracleResult {
  requests: number;
  instances: number;
  accepted: number;
  rejected: number;
  acceptanceRate: number;
  samples: Sample[];
  rejectedByArrival: number[];
  arrivals: number[];
}

interface Release {
  at: number;
  seq: number;
  hosts: number[];
  need: FlavorNeed;
}

/** A binary min-heap on (at, seq). */
class ReleaseHeap {
  private readonly h: Release[] = [];
  get size(): number {
    return this.h.length;
  }
  peek(): Release | undefined {
    return this.h[0];
  }
  private less(a: Release, b: Release): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  push(r: Release): void {
    const h = this.h;
    h.push(r);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Release | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (l + 1 < h.length && this.less(h[l + 1]!, h[m]!)) m = l + 1;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

export function runOracle(s: Scenario, seed: string, needs: FlavorNeed[], sampleTimesMs: readonly number[]): OracleResult {
  const fit = new BestFit(s.plan);
  const hostIndex = new Map(fit.hosts.map((h, i) => [h.name, i]));
  const view: SimHostUsage[] = fit.hosts.map((h) => ({ name: h.name, cell: h.cell, get up() { return h.up; }, usage: h.usage }));
  const sampler = new Sampler(s.plan, needs, sampleTimesMs.length);
  const gen = new WorkloadGenerator(s.workload, new SeededRng(seed), s.durationMs);
  const faults = faultTimeline(s.faults);
  const releases = new ReleaseHeap();
  const needOf = new Map<string, FlavorNeed>();
  const bucketMs = s.sampleMs;
  const arrivals: number[] = [];
  const rejectedByArrival: number[] = [];
  const add = (a: number[], i: number, n: number) => {
    while (a.length <= i) a.push(0);
    a[i]! += n;
  };
  let requests = 0;
  let instances = 0;
  let accepted = 0;
  let active = 0;
  let seq = 0;
  let fi = 0;
  let si = 0;
  let req: SimRequestSpec | undefined = gen.next();

  for (;;) {
    const tRelease = releases.peek()?.at ?? Infinity;
    const tFault = faults[fi]?.atMs ?? Infinity;
    const tSample = sampleTimesMs[si] ?? Infinity;
    const tArrival = req?.atMs ?? Infinity;
    const t = Math.min(tRelease, tFault, tSample, tArrival);
    if (t === Infinity) break;
    if (tRelease === t) {
      const r = releases.pop()!;
      for (const h of r.hosts) fit.consume(h, r.need, 1, -1);
      active -= r.hosts.length;
    } else if (tFault === t) {
      const a = faults[fi++]!;
      const down = a.phase === 'start';
      for (const name of a.fault.kind === 'link_cut' ? [] : a.fault.hosts) fit.setUp(hostIndex.get(name)!, !down);
    } else if (tSample === t) {
      sampler.take(sampleTimesMs[si++]! / 1000, view, active);
    } else {
      const r = req!;
      req = gen.next();
      requests++;
      instances += r.count;
      const b = Math.floor(r.atMs / bucketMs);
      add(arrivals, b, r.count);
      let need = needOf.get(r.flavor.name);
      if (!need) needOf.set(r.flavor.name, (need = flavorNeed(r.flavor)));
      const hosts = fit.place(need, r.count, r.availabilityZone, r.targetCell, r.group?.policy ?? null);
      if (!hosts) {
        add(rejectedByArrival, b, r.count);
        continue;
      }
      accepted += r.count;
      active += r.count;
      if (r.lifetimeMs !== null) releases.push({ at: r.atMs + r.lifetimeMs, seq: seq++, hosts, need });
    }
  }
  return {
    requests, instances, accepted, rejected: instances - accepted, acceptanceRate: instances > 0 ? accepted / instances : 1,
    samples: sampler.samples, rejectedByArrival, arrivals,
  };
}
