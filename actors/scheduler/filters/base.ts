/**
 * The host filter contract (nova/scheduler/filters/__init__.py's BaseHostFilter). A filter answers
 * for one host; the scheduler runs it in batch form over an index array of candidate hosts, and
 * skips it entirely for a request where `prepare` says it would pass every host (no AZ asked, no
 * extra specs, no server group...), which is what keeps a decision over 1,000 hosts in microseconds.
 */
import type { HostState, RequestSpec } from '../types.ts';

export interface HostFilter {
  /** Nova's class name, as listed in [filter_scheduler] enabled_filters. */
  readonly name: string;
  /** Nova's run_filter_once_per_request: the answer cannot change between instances of a request. */
  readonly runFilterOncePerRequest?: boolean;
  hostPasses(host: HostState, spec: RequestSpec): boolean;
  /**
   * Called once at the start of each request, before any host: parse what the request asks for,
   * and return false when the filter would pass every host, so it can be skipped.
   */
  prepare?(spec: RequestSpec): boolean;
  /**
   * Batch form: keep, in order, the hosts of `idx[0..count)` (indices into `hosts`) that pass,
   * compacted to the front of `idx`; return how many remain.
   */
  filterAll?(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec): number;
}

/** Shared plumbing; a filter overrides filterAll with its own loop only where speed matters. */
export abstract class BaseHostFilter implements HostFilter {
  abstract readonly name: string;
  readonly runFilterOncePerRequest: boolean = false;
  abstract hostPasses(host: HostState, spec: RequestSpec): boolean;

  prepare(_spec: RequestSpec): boolean {
    return true;
  }

  filterAll(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec): number {
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (this.hostPasses(hosts[k]!, spec)) idx[kept++] = k;
    }
    return kept;
  }
}

/**
 * A per-request value (parsed extra specs, a set of uuids) recomputed when the part of the spec it
 * comes from is a different object, so direct hostPasses calls stay correct without prepare().
 */
export class PerRequest<V> {
  private key: unknown = undefined;
  private value: V | undefined;

  constructor(
    private readonly keyOf: (spec: RequestSpec) => unknown,
    private readonly compute: (spec: RequestSpec) => V,
  ) {}

  get(spec: RequestSpec): V {
    const k = this.keyOf(spec);
    if (k !== this.key || this.value === undefined) {
      this.value = this.compute(spec);
      this.key = k;
    }
    return this.value;
  }

  /** Recompute even if the key object is the same (it may have been mutated since). */
  refresh(spec: RequestSpec): V {
    this.key = undefined;
    return this.get(spec);
  }
}

/** A scheduler hint as a list (the API accepts one uuid or several). */
export function hintList(spec: RequestSpec, name: string): string[] {
  const v = spec.schedulerHints[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Whether any of `uuids` runs on the host (utils.instance_uuids_overlap). */
export function instancesOverlap(host: HostState, uuids: readonly string[]): boolean {
  for (let i = 0; i < uuids.length; i++) if (host.instances.has(uuids[i]!)) return true;
  return false;
}
