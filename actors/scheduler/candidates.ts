/**
 * The candidate hosts of one request, in index form: which hosts the filters start from (Nova's
 * ignore_hosts / force_hosts / force_nodes handling in HostManager.get_filtered_hosts), and the
 * best-first order after weighing, found by a linear top-k scan rather than a sort of every host.
 */
import type { HostState, RequestSpec } from './types.ts';

export interface StartingHosts {
  count: number;
  /** force_hosts / force_nodes given (and no _nova_check_type hint): Nova skips the filters. */
  forced: boolean;
}

/** Fill idx with the hosts filtering starts from; usually all of them. */
export function startingHosts(hosts: readonly HostState[], spec: RequestSpec, idx: Int32Array): StartingHosts {
  const len = hosts.length;
  const anyForce = spec.forceHosts.length > 0 || spec.forceNodes.length > 0;
  if (spec.ignoreHosts.length === 0 && !anyForce) {
    for (let i = 0; i < len; i++) idx[i] = i;
    return { count: len, forced: false };
  }
  const ignore = new Set(spec.ignoreHosts.map((h) => h.toLowerCase()));
  const forceHosts = new Set(spec.forceHosts.map((h) => h.toLowerCase()));
  const forceNodes = new Set(spec.forceNodes);
  let count = 0;
  for (let i = 0; i < len; i++) {
    const h = hosts[i]!;
    const name = h.host.toLowerCase();
    if (ignore.has(name)) continue;
    if (forceHosts.size > 0 && !forceHosts.has(name)) continue;
    if (forceNodes.size > 0 && !forceNodes.has(h.nodename)) continue;
    idx[count++] = i;
  }
  return { count, forced: anyForce && !spec.schedulerHints['_nova_check_type'] };
}

/**
 * The k highest weights among total[0..n), best first, into outPos/outW; equal weights keep their
 * host order (Nova's sort is stable). Returns how many were written.
 */
export function topK(total: Float64Array, n: number, k: number, outPos: Int32Array, outW: Float64Array): number {
  let m = 0;
  if (k <= 0) return 0;
  for (let i = 0; i < n; i++) {
    const w = total[i]!;
    if (m === k && !(w > outW[k - 1]!)) continue;
    let p = m < k ? m : k - 1;
    while (p > 0 && outW[p - 1]! < w) {
      outPos[p] = outPos[p - 1]!;
      outW[p] = outW[p - 1]!;
      p--;
    }
    outPos[p] = i;
    outW[p] = w;
    if (m < k) m++;
  }
  return m;
}

/** The rest of the order once the top-k ran out (claims kept failing): rare, so a plain sort. */
export function completeOrder(total: Float64Array, n: number, top: Int32Array, m: number): Int32Array {
  const inTop = new Uint8Array(n);
  for (let j = 0; j < m; j++) inTop[top[j]!] = 1;
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (inTop[i] === 0) rest.push(i);
  rest.sort((a, b) => total[b]! - total[a]! || a - b);
  const out = new Int32Array(n);
  out.set(top.subarray(0, m));
  for (let j = 0; j < rest.length; j++) out[m + j] = rest[j]!;
  return out;
}

/** Where the whole order comes from when the top runs out, other than completeOrder. */
export interface OrderSource {
  order(): Int32Array;
}

/**
 * Candidates of one instance in the order the scheduler tries them: the host picked from the
 * top host_subset_size first, then the others best-first (Nova's `[chosen] + weighed_hosts`).
 * `top` holds positions into `idx` (the filtered hosts), or host indices when `idx` is null; past
 * the top, `rest` gives the whole order (completeOrder over `total`, by default).
 */
export class RankedCandidates {
  private order: Int32Array;
  private known: number;

  constructor(private readonly total: Float64Array, readonly length: number, top: Int32Array,
    topCount: number, private readonly pick: number, private readonly idx: Int32Array | null = null,
    private readonly rest: OrderSource | null = null) {
    this.order = top;
    this.known = topCount;
  }

  /** Host index (into the host list) of the r-th candidate, r < length. */
  host(r: number): number {
    if (r >= this.known) this.complete();
    const j = r === 0 ? this.pick : r <= this.pick ? r - 1 : r;
    const p = this.order[j]!;
    return this.idx === null ? p : this.idx[p]!;
  }

  /** Make sure the r-th candidate is known now (before the host states change). */
  prepare(r: number): void {
    if (r < this.length && r >= this.known) this.complete();
  }

  private complete(): void {
    this.order = this.rest !== null ? this.rest.order() : completeOrder(this.total, this.length, this.order, this.known);
    this.known = this.length;
  }
}
