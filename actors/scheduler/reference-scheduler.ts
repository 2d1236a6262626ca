/**
 * ReferenceScheduler: Nova's select_destinations written the straightforward way, kept as the
 * yardstick for FilterScheduler (whose fused passes, FitIndex and top-k must choose exactly what this
 * chooses) and as the bench's "before". Per instance: every enabled filter's host_passes over the
 * host objects, each weigher's weigh, nova.weights.normalize, multiply and sum, a stable sort by
 * weight, a random pick among the best host_subset_size, the claim, consume; then the alternates.
 * Slow on purpose: nothing cached, nothing fused, every host visited.
 */
import type { NovaConfig } from '../../runtime/config/index.ts';
import { NoValidHost } from '../../runtime/errors/index.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { ClaimFn, ReleaseFn } from './filter-scheduler.ts';
import type { HostFilter } from './filters/base.ts';
import { createFilters } from './filters/registry.ts';
import { consumeFromRequest, undoConsumption, type Consumption } from './host-state.ts';
import type { HostState, RequestSpec, Selection } from './types.ts';
import { normalize, type HostWeigher } from './weighers/base.ts';
import { createWeighers } from './weighers/registry.ts';

export class ReferenceScheduler {
  private readonly filters: HostFilter[];
  private readonly weighers: HostWeigher[];
  private readonly subsetSize: number;
  private readonly numAlts: number;
  private readonly shuffleBest: boolean;

  constructor(config: NovaConfig, private readonly rng: RandomStream) {
    const fs = config.filter_scheduler;
    this.filters = createFilters(fs.enabled_filters, config);
    this.weighers = createWeighers(fs.weight_classes, config);
    this.subsetSize = Math.max(1, fs.host_subset_size);
    this.numAlts = Math.max(0, config.scheduler.max_attempts - 1);
    this.shuffleBest = fs.shuffle_best_same_weighed_hosts;
  }

  selectDestinations(spec: RequestSpec, hostList: readonly HostState[], claim?: ClaimFn, release?: ReleaseFn): Selection[][] {
    const numInstances = spec.instanceUuids.length > 0 ? spec.instanceUuids.length : spec.numInstances;
    const { hosts: start, forced } = this.startingHosts(hostList, spec);
    const active = this.filters.filter((f) => !f.prepare || f.prepare(spec));
    const repeat = active.filter((f) => !f.runFilterOncePerRequest);
    let hosts = start;
    const done: Array<{ sel: Selection; c: Consumption; claimed: boolean; alts: Selection[] }> = [];
    const refused: HostState[] = [];
    let ok = false;
    try {
      for (let i = 0; i < numInstances; i++) {
        const uuid = spec.instanceUuids[i] ?? '';
        if (!forced) hosts = hosts.filter((h) => (i === 0 ? active : repeat).every((f) => f.hostPasses(h, spec)));
        if (hosts.length === 0) break;
        const ordered = this.weighed(hosts, spec, true);
        const r = ordered.findIndex((h) => {
          if (claim === undefined || claim(sel(h, uuid))) return true;
          refused.push(h);
          return false;
        });
        if (r < 0) break;
        const chosen = ordered[r]!;
        const c = consumeFromRequest(chosen, spec.flavor, uuid);
        const group = spec.instanceGroup;
        if (group !== null && !group.hosts.includes(chosen.host)) {
          group.hosts.push(chosen.host);
          c.groupAppended = group;
        }
        const alts = numInstances === 1
          ? ordered.slice(r + 1).filter((h) => !refused.includes(h)).slice(0, this.numAlts).map((h) => sel(h, uuid))
          : [];
        done.push({ sel: sel(chosen, uuid), c, claimed: claim !== undefined, alts });
      }
      if (done.length < numInstances) throw new NoValidHost();
      if (numInstances > 1 && this.numAlts > 0) {
        if (!forced) hosts = hosts.filter((h) => repeat.every((f) => f.hostPasses(h, spec)));
        const chosen = done.map((d) => d.c.host);
        const spares = this.weighed(hosts, spec, false)
          .filter((h) => !chosen.includes(h) && !refused.includes(h)).slice(0, this.numAlts);
        for (const d of done) d.alts = spares.map((h) => sel(h, d.sel.instanceUuid));
      }
      ok = true;
      return done.map((d) => [d.sel, ...d.alts]);
    } finally {
      if (!ok) {
        for (let i = done.length - 1; i >= 0; i--) {
          undoConsumption(done[i]!.c);
          if (done[i]!.claimed && release) release(done[i]!.sel);
        }
      }
    }
  }

  /** Best first: [chosen from the subset] + the rest in weight order (Nova's _get_sorted_hosts). */
  private weighed(hosts: readonly HostState[], spec: RequestSpec, pick: boolean): HostState[] {
    const total = new Array<number>(hosts.length).fill(0);
    if (hosts.length > 1) {
      for (const w of this.weighers) {
        if (w.multiplier === 0) continue;
        const norm = normalize(hosts.map((h) => w.weigh(h, spec)));
        for (let i = 0; i < hosts.length; i++) total[i] = total[i]! + w.multiplier * norm[i]!;
      }
    }
    const order = hosts.map((h, i) => ({ h, w: total[i]! }));
    order.sort((a, b) => (b.w > a.w ? 1 : b.w < a.w ? -1 : 0));
    const sorted = order.map((o) => o.h);
    if (!pick) return sorted;
    if (this.shuffleBest) {
      const best = order[0]!.w;
      const ties = order.filter((o) => o.w === best).length;
      for (let j = 0; j < Math.min(ties, sorted.length); j++) {
        const s = j + this.rng.int(ties - j);
        [sorted[j], sorted[s]] = [sorted[s]!, sorted[j]!];
      }
    }
    const subset = Math.min(this.subsetSize, sorted.length);
    const p = subset > 1 ? this.rng.int(subset) : 0;
    const chosen = sorted[p]!;
    return [chosen, ...sorted.filter((_, i) => i !== p)];
  }

  private startingHosts(hosts: readonly HostState[], spec: RequestSpec): { hosts: HostState[]; forced: boolean } {
    const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
    const ignore = lower(spec.ignoreHosts);
    const forceHosts = lower(spec.forceHosts);
    const kept = hosts.filter((h) => !ignore.includes(h.host.toLowerCase()) &&
      (forceHosts.length === 0 || forceHosts.includes(h.host.toLowerCase())) &&
      (spec.forceNodes.length === 0 || spec.forceNodes.includes(h.nodename)));
    const anyForce = spec.forceHosts.length > 0 || spec.forceNodes.length > 0;
    return { hosts: kept, forced: anyForce && !spec.schedulerHints['_nova_check_type'] };
  }
}

function sel(h: HostState, instanceUuid: string): Selection {
  return { host: h.host, nodename: h.nodename, uuid: h.uuid, instanceUuid };
}
