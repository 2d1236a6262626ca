/**
 * What happened to every requested instance: ACTIVE (with its build latency), NoValidHost, another
 * error, refused at the API, deleted while still building, or still pending when the run ended. Counts
 * are also kept per time bucket, by arrival (for acceptance and recovery) and by the time of the outcome
 * (for the rejections chart). Only integer counters and per-instance values are kept, so the order in
 * which same-instant callbacks run cannot change a result.
 */
import type { InstanceStateEvent } from '../target.ts';
import type { SimRequestSpec } from '../workload/generator.ts';
import { DoubleList } from './stats.ts';

/** The zone key of requests that named no availability zone. */
export const ANY_ZONE = '(any zone)';

/** Per requested zone, per arrival bucket: instances that arrived, and those of them rejected. */
export interface ZoneSeries {
  arrivals: number[];
  rejected: number[];
}

export type Outcome = 'active' | 'no_valid_host' | 'error' | 'api_timeout' | 'api_error' | 'deleted_while_building' | 'pending';

interface Tracked {
  arrivedAt: number;
  bucket: number;
  /** The availability zone the request asked for (ANY_ZONE if none). */
  zone: string;
  /** Set once the instance reached a final build outcome. */
  outcome: Outcome | null;
}

export interface OutcomeCounts {
  requests: number;
  instances: number;
  active: number;
  no_valid_host: number;
  error: number;
  api_timeout: number;
  api_error: number;
  deleted_while_building: number;
  pending: number;
  /** Instances a cell built after the API had given up on their request (cells v1 could do this). */
  orphans: number;
}

export interface BucketSeries {
  arrivals: number[];
  acceptedByArrival: number[];
  rejectedByArrival: number[];
  rejectedAt: number[];
  activeAt: number[];
}

const grow = (a: number[], i: number, by = 1): void => {
  while (a.length <= i) a.push(0);
  a[i]! += by;
};

/** NoValidHost faults (including "exceeded maximum number of retries", which Nova raises as one). */
export function isNoValidHost(message: string | null | undefined): boolean {
  return !!message && message.startsWith('No valid host');
}

export class MetricsCollector {
  private readonly live = new Map<string, Tracked>();
  private readonly unbound = new Map<string, InstanceStateEvent[]>();
  private readonly latencies = new DoubleList();
  private readonly counts: OutcomeCounts = {
    requests: 0, instances: 0, active: 0, no_valid_host: 0, error: 0, api_timeout: 0, api_error: 0,
    deleted_while_building: 0, pending: 0, orphans: 0,
  };
  readonly buckets: BucketSeries = { arrivals: [], acceptedByArrival: [], rejectedByArrival: [], rejectedAt: [], activeAt: [] };
  /** By requested availability zone (a site, in generated topologies); deterministic in insertion order. */
  readonly byZone = new Map<string, ZoneSeries>();
  private inFlightRequests = 0;
  private building = 0;
  /** Instances ACTIVE right now (reached ACTIVE, not yet deleted). */
  activeNow = 0;

  constructor(
    private readonly t0: number,
    private readonly bucketMs: number,
  ) {}

  private bucketOf(absMs: number): number {
    return Math.floor((absMs - this.t0) / this.bucketMs);
  }

  arrival(req: SimRequestSpec): void {
    this.counts.requests++;
    this.counts.instances += req.count;
    this.inFlightRequests++;
    grow(this.buckets.arrivals, Math.floor(req.atMs / this.bucketMs), req.count);
    grow(this.zone(req.availabilityZone).arrivals, Math.floor(req.atMs / this.bucketMs), req.count);
  }

  private zone(z: string | null): ZoneSeries {
    const key = z ?? ANY_ZONE;
    let series = this.byZone.get(key);
    if (!series) this.byZone.set(key, (series = { arrivals: [], rejected: [] }));
    return series;
  }

  /** The API accepted the request: these instances are now followed. */
  bound(req: SimRequestSpec, uuids: readonly string[], onEvent: (e: InstanceStateEvent) => void): void {
    this.inFlightRequests--;
    for (const uuid of uuids) {
      this.live.set(uuid, { arrivedAt: this.t0 + req.atMs, bucket: Math.floor(req.atMs / this.bucketMs), zone: req.availabilityZone ?? ANY_ZONE, outcome: null });
      this.building++;
      const early = this.unbound.get(uuid);
      if (early) {
        this.unbound.delete(uuid);
        for (const e of early) onEvent(e);
      }
    }
  }

  /** The API refused the request (no cell, timeout, ...). */
  refused(req: SimRequestSpec, err: unknown, nowMs: number): void {
    this.inFlightRequests--;
    const msg = err instanceof Error ? err.message : String(err);
    const name = err instanceof Error ? err.constructor.name : '';
    const outcome: Outcome = isNoValidHost(msg) ? 'no_valid_host' : name === 'MessagingTimeout' ? 'api_timeout' : 'api_error';
    this.counts[outcome] += req.count;
    grow(this.buckets.rejectedByArrival, Math.floor(req.atMs / this.bucketMs), req.count);
    grow(this.buckets.rejectedAt, this.bucketOf(nowMs), req.count);
    grow(this.zone(req.availabilityZone).rejected, Math.floor(req.atMs / this.bucketMs), req.count);
  }

  /**
   * An instance changed vm_state. Returns 'error' when it just went to ERROR (the user deletes it),
   * 'unknown' when its request was not bound yet (kept until it is).
   */
  state(e: InstanceStateEvent): 'error' | 'unknown' | undefined {
    const t = this.live.get(e.uuid);
    if (!t) {
      let l = this.unbound.get(e.uuid);
      if (!l) this.unbound.set(e.uuid, (l = []));
      l.push(e);
      return 'unknown';
    }
    if (e.vmState === 'active' && t.outcome === null) {
      this.settle(t, 'active', e.atMs);
      this.latencies.push(e.atMs - t.arrivedAt);
      this.activeNow++;
      grow(this.buckets.acceptedByArrival, t.bucket);
      grow(this.buckets.activeAt, this.bucketOf(e.atMs));
      return undefined;
    }
    if (e.vmState === 'error' && t.outcome === null) {
      const outcome = isNoValidHost(e.fault) ? 'no_valid_host' : 'error';
      this.settle(t, outcome, e.atMs);
      grow(this.buckets.rejectedByArrival, t.bucket);
      grow(this.buckets.rejectedAt, this.bucketOf(e.atMs));
      grow(this.zone(t.zone).rejected, t.bucket);
      return 'error';
    }
    if (e.vmState === 'deleted') {
      if (t.outcome === null) this.settle(t, 'deleted_while_building', e.atMs);
      else if (t.outcome === 'active') this.activeNow--;
      this.live.delete(e.uuid);
    }
    return undefined;
  }

  private settle(t: Tracked, outcome: Outcome, _at: number): void {
    t.outcome = outcome;
    this.counts[outcome]++;
    this.building--;
  }

  /** Requests not yet answered plus instances not yet ACTIVE or failed. */
  inFlight(): number {
    return this.inFlightRequests + this.building;
  }

  /** Final counts; instances still building are `pending`, events never bound are orphans. */
  finish(): OutcomeCounts {
    return { ...this.counts, pending: this.building + this.pendingRequestsInstances(), orphans: this.unbound.size };
  }

  private pendingRequestsInstances(): number {
    // Requests whose API call never returned; their instance count is unknown here, count requests.
    return this.inFlightRequests;
  }

  sortedLatencies(): Float64Array {
    return this.latencies.sorted();
  }
}
