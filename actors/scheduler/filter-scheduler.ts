/**
 * FilterScheduler: Nova's select_destinations (nova/scheduler/filter_scheduler.py and manager.py)
 * over live HostStates. Per instance of the request: filter, weigh, pick at random among the best
 * host_subset_size, claim (falling back down the list when a claim is refused), consume, and go on
 * with the next instance over the hosts that passed; then add alternates for reschedules. A request
 * that cannot place every instance fails whole and leaves the host states as it found them.
 *
 * The hot path allocates nothing per host: candidates are an Int32Array of host indices compacted
 * by each filter in turn, weights live in Float64Arrays reused across requests, and the best hosts
 * come from a linear top-k scan. Over a HostManager, the resource filters and weighers run fused
 * over its struct of arrays (fused-pass.ts): two passes per instance, the first through the
 * FitIndex when that skips hosts. A single-instance request over fused filters and weighers only
 * (the default case) goes through the arrays' block summary instead (fused-pass.ts's blockDecide):
 * whole blocks of 32 hosts pass or fail at once, and only hosts whose bounded total can reach the
 * top k are weighed; same choices. Not re-entrant: a claim callback must not schedule on the same
 * FilterScheduler, nor change the HostManager's host states (the order past the top k is computed
 * when the claims first need it).
 */
import type { NovaConfig } from '../../runtime/config/index.ts';
import { NoValidHost } from '../../runtime/errors/index.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import { RankedCandidates, startingHosts, topK } from './candidates.ts';
import { explainFiltering, type FilterExplanation } from './explain.ts';
import type { HostFilter } from './filters/base.ts';
import { createFilters } from './filters/registry.ts';
import { HostManager } from './host-manager.ts';
import type { HostArrays } from './host-arrays.ts';
import {
  BlockScratch, blockDecide, fusedFilter, fusedFilterKind, fusedWeigherColumn, minMax, noFusedFilters,
  weighAndRank, type FusedFilters,
} from './fused-pass.ts';
import { consumeFromRequest, undoConsumption, type Consumption } from './host-state.ts';
import type { FlavorSpec, HostState, RequestSpec, Selection } from './types.ts';
import { weighHosts, type HostWeigher } from './weighers/base.ts';
import { createWeighers } from './weighers/registry.ts';

/** Placement's atomic claim: true if the allocation was made, false if the host is taken. */
export type ClaimFn = (selection: Selection) => boolean;
/** Undo of a successful claim, for a request that fails on a later instance. */
export type ReleaseFn = (selection: Selection) => void;

export type HostSource = Iterable<HostState> | HostManager;

export interface FilterSchedulerOptions {
  /** Instead of [filter_scheduler] enabled_filters. */
  filters?: HostFilter[];
  /** Instead of [filter_scheduler] weight_classes. */
  weighers?: HostWeigher[];
}

/** Extra ranked hosts beyond subset + alternates, so a refused claim rarely needs a full sort. */
const CLAIM_SLACK = 4;

/** One filtering step: the fused resource filters, then the others in object form. */
interface FilterStep {
  fused: FusedFilters;
  anyFused: boolean;
  objects: HostFilter[];
}

interface Placement {
  selection: Selection;
  consumption: Consumption;
  claimed: boolean;
  alternates: Selection[];
}

export class FilterScheduler {
  readonly filters: readonly HostFilter[];
  readonly weighers: readonly HostWeigher[];
  private readonly subsetSize: number;
  private readonly numAlts: number;
  private readonly shuffleBest: boolean;
  private idx = new Int32Array(0);
  private total = new Float64Array(0);
  private scratch = new Float64Array(0);
  private topPos = new Int32Array(0);
  private topW = new Float64Array(0);
  /** Weight column of each weigher, when all of them can run fused (else null). */
  private readonly fusedCols: Int32Array | null;
  /** The current request's arrays (null: a plain host list, object form throughout). */
  private arrays: HostArrays | null = null;
  /** min, max per weigher over the candidates, valid while `mmFresh`. */
  private readonly mm = new Float64Array(8);
  private mmFresh = false;
  private readonly actCols = new Int32Array(4);
  private readonly actMult = new Float64Array(4);
  private readonly actMin = new Float64Array(4);
  private readonly actRange = new Float64Array(4);
  /** The weighers' multipliers (with fusedCols). */
  private readonly mults: Float64Array;
  private readonly blockScratch = new BlockScratch();

  constructor(config: NovaConfig, private readonly rng: RandomStream, options: FilterSchedulerOptions = {}) {
    const fs = config.filter_scheduler;
    this.filters = options.filters ?? createFilters(fs.enabled_filters, config);
    this.weighers = options.weighers ?? createWeighers(fs.weight_classes, config);
    this.subsetSize = Math.max(1, fs.host_subset_size);
    this.numAlts = Math.max(0, config.scheduler.max_attempts - 1);
    this.shuffleBest = fs.shuffle_best_same_weighed_hosts;
    const k = this.subsetSize + this.numAlts + CLAIM_SLACK;
    this.topPos = new Int32Array(k);
    this.topW = new Float64Array(k);
    const cols = this.weighers.map(fusedWeigherColumn);
    this.fusedCols = cols.length <= 4 && cols.every((c) => c >= 0) ? Int32Array.from(cols) : null;
    this.mults = Float64Array.from(this.weighers.map((w) => w.multiplier));
  }

  /**
   * One `[chosen, ...alternates]` list per instance. Throws NoValidHost, with every consumption and
   * claim of this request undone, if any instance finds no host.
   */
  selectDestinations(spec: RequestSpec, source: HostSource, claim?: ClaimFn, release?: ReleaseFn): Selection[][] {
    const hosts = hostArray(source);
    this.ensureCapacity(hosts.length);
    this.arrays = source instanceof HostManager ? source.arrays : null;
    this.mmFresh = false;
    const uuids = spec.instanceUuids;
    const numInstances = uuids.length > 0 ? uuids.length : spec.numInstances;
    const { first, repeat } = this.prepareFilters(spec);
    // Over the arrays with nothing ignored or forced, the first pass enumerates the hosts itself.
    const all = this.arrays !== null && spec.ignoreHosts.length === 0 && spec.forceHosts.length === 0 &&
      spec.forceNodes.length === 0;
    const start = all ? { count: hosts.length, forced: false } : startingHosts(hosts, spec, this.idx);
    let n = start.count;
    const placements: Placement[] = [];
    const refused: HostState[] = [];
    let ok = false;
    try {
      // One instance, only fused filters and weighers: the block-pruned decision (fused-pass.ts).
      if (all && numInstances === 1 && first.objects.length === 0 && this.fusedCols !== null && !this.shuffleBest) {
        const ranked = this.rankBlocks(first.fused, hosts.length);
        if (ranked !== null) {
          const placement = ranked.length === 0
            ? null
            : this.claimAndConsume(ranked, spec, hosts, uuids[0] ?? '', true, claim, refused);
          if (placement === null) throw new NoValidHost();
          placements.push(placement);
          ok = true;
          return [[placement.selection, ...placement.alternates]];
        }
      }
      for (let i = 0; i < numInstances; i++) {
        if (!start.forced) n = this.filterStep(i === 0 ? first : repeat, hosts, n, spec, i === 0 && all);
        if (n === 0) break;
        const placement = this.placeOne(spec, hosts, n, uuids[i] ?? '', numInstances === 1, claim, refused);
        if (placement === null) break;
        placements.push(placement);
      }
      if (placements.length < numInstances) throw new NoValidHost();
      if (numInstances > 1 && this.numAlts > 0) {
        if (!start.forced) n = this.filterStep(repeat, hosts, n, spec, false);
        this.alternatesAfterAll(spec, hosts, n, placements, refused);
      }
      ok = true;
      return placements.map((p) => [p.selection, ...p.alternates]);
    } finally {
      this.arrays = null;
      if (!ok) rollBack(placements, release);
    }
  }

  /** Which filter removed which hosts for this request, as Nova logs when nothing passes. */
  explain(spec: RequestSpec, source: HostSource): FilterExplanation {
    return explainFiltering(this.filters, spec, hostArray(source));
  }

  private placeOne(spec: RequestSpec, hosts: readonly HostState[], n: number, instanceUuid: string,
    withAlternates: boolean, claim: ClaimFn | undefined, refused: HostState[]): Placement | null {
    return this.claimAndConsume(this.rank(spec, hosts, n, true), spec, hosts, instanceUuid, withAlternates, claim,
      refused);
  }

  /** Claim down the ranked candidates; consume from the first claimed; pick its alternates. */
  private claimAndConsume(ranked: RankedCandidates, spec: RequestSpec, hosts: readonly HostState[],
    instanceUuid: string, withAlternates: boolean, claim: ClaimFn | undefined, refused: HostState[]): Placement | null {
    const n = ranked.length;
    let chosen: Selection | null = null;
    let r = 0;
    for (; r < n; r++) {
      const sel = selectionOf(hosts[ranked.host(r)]!, instanceUuid);
      if (claim === undefined || claim(sel)) {
        chosen = sel;
        break;
      }
      refused.push(hosts[ranked.host(r)]!);
    }
    if (chosen === null) return null;
    // The alternates come from the order as it was before this consumption.
    if (withAlternates) ranked.prepare(r + this.numAlts + refused.length);
    const consumption = consumeFromSelection(hosts[ranked.host(r)]!, spec.flavor, instanceUuid, spec);
    const placement: Placement = { selection: chosen, consumption, claimed: claim !== undefined, alternates: [] };
    if (withAlternates) {
      for (let a = r + 1; a < n && placement.alternates.length < this.numAlts; a++) {
        const alt = hosts[ranked.host(a)]!;
        if (!refused.includes(alt)) placement.alternates.push(selectionOf(alt, instanceUuid));
      }
    }
    return placement;
  }

  /** Nova re-filters and re-weighs once all are placed, and offers every instance the same spares. */
  private alternatesAfterAll(spec: RequestSpec, hosts: readonly HostState[], n: number,
    placements: Placement[], refused: HostState[]): void {
    const chosen = placements.map((p) => p.consumption.host);
    const ranked = this.rank(spec, hosts, n, false, chosen.length + refused.length);
    const spares: HostState[] = [];
    for (let r = 0; r < n && spares.length < this.numAlts; r++) {
      const h = hosts[ranked.host(r)]!;
      if (!chosen.includes(h) && !refused.includes(h)) spares.push(h);
    }
    for (const p of placements) p.alternates = spares.map((h) => selectionOf(h, p.selection.instanceUuid));
  }

  private rank(spec: RequestSpec, hosts: readonly HostState[], n: number, randomize: boolean,
    extra = 0): RankedCandidates {
    const k = Math.min(n, this.subsetSize + this.numAlts + CLAIM_SLACK + extra);
    if (this.topPos.length < k) {
      this.topPos = new Int32Array(k);
      this.topW = new Float64Array(k);
    }
    let m: number;
    if (this.arrays !== null && this.fusedCols !== null && n > 1) {
      m = this.fusedRank(this.arrays, this.fusedCols, n, k);
    } else {
      weighHosts(this.weighers, hosts, this.idx, n, spec, this.total, this.scratch);
      m = topK(this.total, n, k, this.topPos, this.topW);
    }
    this.mmFresh = false;
    if (!randomize) return new RankedCandidates(this.total, n, this.topPos, m, 0, this.idx);
    if (this.shuffleBest) this.shuffleBestTies(n, m);
    const subset = Math.min(this.subsetSize, n);
    const pick = subset > 1 ? this.rng.int(subset) : 0;
    return new RankedCandidates(this.total, n, this.topPos, m, pick, this.idx);
  }

  /**
   * Filter, weigh and rank every host through the arrays' block summary (blockDecide); null when
   * the summary is irregular and the plain passes must run. The candidates are host indices.
   */
  private rankBlocks(f: FusedFilters, size: number): RankedCandidates | null {
    const a = this.arrays!;
    const k = Math.min(size, this.subsetSize + this.numAlts + CLAIM_SLACK);
    const sc = this.blockScratch;
    const m = blockDecide(a, f, this.fusedCols!, this.mults, k, this.topPos, this.topW, sc);
    if (m < 0) return null;
    const n = sc.n;
    const subset = Math.min(this.subsetSize, n);
    const pick = subset > 1 ? this.rng.int(subset) : 0;
    return new RankedCandidates(this.total, n, this.topPos, m, pick, null, sc);
  }

  /** Pass 2 over the arrays (weighers/base.ts's weighHosts and topK, fused). */
  private fusedRank(a: HostArrays, cols: Int32Array, n: number, k: number): number {
    if (!this.mmFresh) minMax(a, this.idx, n, cols, this.mm);
    let count = 0;
    for (let j = 0; j < cols.length; j++) {
      const mult = this.weighers[j]!.multiplier;
      const lo = this.mm[2 * j]!;
      const hi = this.mm[2 * j + 1]!;
      if (mult === 0 || lo === hi) continue;
      this.actCols[count] = cols[j]!;
      this.actMult[count] = mult;
      this.actMin[count] = lo;
      this.actRange[count] = hi - lo;
      count++;
    }
    return weighAndRank(a, this.idx, n, this.actCols, count, this.actMult, this.actMin, this.actRange, this.total,
      k, this.topPos, this.topW);
  }

  /**
   * One filtering step: the fused filters over the arrays (gathering the weighers' min and max when
   * nothing else filters after them), then the others. `all`: start from every host.
   */
  private filterStep(step: FilterStep, hosts: readonly HostState[], n: number, spec: RequestSpec, all: boolean): number {
    const a = this.arrays;
    this.mmFresh = false;
    if (a !== null && (all || step.anyFused)) {
      const gather = step.objects.length === 0 && this.fusedCols !== null;
      n = fusedFilter(a, this.idx, n, all, step.fused, gather ? this.mm : null, this.fusedCols ?? EMPTY_COLS);
      this.mmFresh = gather;
    }
    if (step.objects.length > 0) n = this.runFilters(step.objects, hosts, n, spec);
    return n;
  }

  /** shuffle_best_same_weighed_hosts: hosts tied for the best weight come in random order. */
  private shuffleBestTies(n: number, m: number): void {
    const best = this.topW[0]!;
    let ties = 0;
    for (let i = 0; i < n; i++) if (this.total[i] === best) ties++;
    if (ties <= 1) return;
    const pool = ties <= m ? this.topPos.subarray(0, ties) : tiePositions(this.total, n, best, ties);
    const take = Math.min(ties, m);
    for (let j = 0; j < take; j++) {
      const s = j + this.rng.int(pool.length - j);
      const t = pool[j]!;
      pool[j] = pool[s]!;
      pool[s] = t;
    }
    if (pool.buffer !== this.topPos.buffer) this.topPos.set(pool.subarray(0, take));
  }

  private prepareFilters(spec: RequestSpec): { first: FilterStep; repeat: FilterStep } {
    const first: FilterStep = { fused: noFusedFilters(spec), anyFused: false, objects: [] };
    const repeat: FilterStep = { fused: noFusedFilters(spec), anyFused: false, objects: [] };
    const { ramMb, vcpus, diskMb } = first.fused;
    const fusable = this.arrays !== null && Number.isFinite(ramMb) && Number.isFinite(vcpus) && Number.isFinite(diskMb);
    for (const f of this.filters) {
      if (f.prepare && !f.prepare(spec)) continue;
      const kind = fusable ? fusedFilterKind(f) : null;
      const once = f.runFilterOncePerRequest === true;
      if (kind === null) {
        first.objects.push(f);
        if (!once) repeat.objects.push(f);
        continue;
      }
      first.fused[kind] = true;
      first.anyFused = true;
      if (!once) {
        repeat.fused[kind] = true;
        repeat.anyFused = true;
      }
    }
    return { first, repeat };
  }

  private runFilters(filters: readonly HostFilter[], hosts: readonly HostState[], n: number, spec: RequestSpec): number {
    const idx = this.idx;
    for (let j = 0; j < filters.length && n > 0; j++) {
      const f = filters[j]!;
      if (f.filterAll) {
        n = f.filterAll(hosts, idx, n, spec);
      } else {
        let kept = 0;
        for (let i = 0; i < n; i++) if (f.hostPasses(hosts[idx[i]!]!, spec)) idx[kept++] = idx[i]!;
        n = kept;
      }
    }
    return n;
  }

  private ensureCapacity(len: number): void {
    if (this.idx.length >= len) return;
    const cap = Math.max(len, this.idx.length * 2, 64);
    this.idx = new Int32Array(cap);
    this.total = new Float64Array(cap);
    this.scratch = new Float64Array(cap);
  }
}

const EMPTY_COLS = new Int32Array(0);

function hostArray(source: HostSource): readonly HostState[] {
  if (source instanceof HostManager) return source.hosts();
  return Array.isArray(source) ? source : Array.from(source);
}

function selectionOf(h: HostState, instanceUuid: string): Selection {
  return { host: h.host, nodename: h.nodename, uuid: h.uuid, instanceUuid };
}

/** Nova's _consume_selected_host: use the resources and let the group's filters see the host. */
function consumeFromSelection(host: HostState, flavor: FlavorSpec, instanceUuid: string, spec: RequestSpec): Consumption {
  const c = consumeFromRequest(host, flavor, instanceUuid);
  const group = spec.instanceGroup;
  if (group !== null && !group.hosts.includes(host.host)) {
    group.hosts.push(host.host);
    c.groupAppended = group;
  }
  return c;
}

function rollBack(placements: readonly Placement[], release: ReleaseFn | undefined): void {
  for (let i = placements.length - 1; i >= 0; i--) {
    const p = placements[i]!;
    undoConsumption(p.consumption);
    if (p.claimed && release) release(p.selection);
  }
}

function tiePositions(total: Float64Array, n: number, best: number, ties: number): Int32Array {
  const out = new Int32Array(ties);
  let j = 0;
  for (let i = 0; i < n; i++) if (total[i] === best) out[j++] = i;
  return out;
}
