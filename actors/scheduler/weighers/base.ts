/**
 * The host weigher contract and Nova's normalisation (nova/weights.py). Each weigher's raw values
 * are scaled to [0, 1] over the hosts that passed the filters in this request (all 0 when they are
 * equal), multiplied by the weigher's multiplier and summed; the highest total wins. Unlike Nova's
 * BaseWeigher, which remembers minval/maxval on the instance, nothing is kept between requests.
 */
import type { HostState, RequestSpec } from '../types.ts';

export interface HostWeigher {
  /** Nova's class name, as listed in [filter_scheduler] weight_classes. */
  readonly name: string;
  /** Nova's weight_multiplier: positive spreads (prefers more), negative stacks. */
  readonly multiplier: number;
  /** The raw, un-normalised weight of one host. */
  weigh(host: HostState, spec: RequestSpec): number;
  /** Batch form: out[i] = weigh(hosts[idx[i]]) for i < count. */
  weighAll?(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec, out: Float64Array): void;
}

export abstract class BaseHostWeigher implements HostWeigher {
  abstract readonly name: string;
  abstract readonly multiplier: number;
  abstract weigh(host: HostState, spec: RequestSpec): number;

  weighAll(hosts: readonly HostState[], idx: Int32Array, count: number, spec: RequestSpec, out: Float64Array): void {
    for (let i = 0; i < count; i++) out[i] = this.weigh(hosts[idx[i]!]!, spec);
  }
}

/**
 * nova.weights.normalize, in place over values[0..count): (v - min) / (max - min), or all 0 when
 * min == max. Returns false in the all-0 case so the caller can skip adding nothing.
 */
export function normalizeInPlace(values: Float64Array, count: number): boolean {
  if (count === 0) return false;
  let min = values[0]!;
  let max = min;
  for (let i = 1; i < count; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (min === max) {
    values.fill(0, 0, count);
    return false;
  }
  const range = max - min;
  for (let i = 0; i < count; i++) values[i] = (values[i]! - min) / range;
  return true;
}

/** nova.weights.normalize on a plain list. */
export function normalize(values: readonly number[]): number[] {
  const a = Float64Array.from(values);
  normalizeInPlace(a, a.length);
  return Array.from(a);
}

/**
 * Nova's BaseWeightHandler.get_weighed_objects without the sort: total[i] for each of the `count`
 * candidate hosts. With one host or none there is nothing to compare, so all stay 0, as in Nova.
 */
export function weighHosts(weighers: readonly HostWeigher[], hosts: readonly HostState[], idx: Int32Array,
  count: number, spec: RequestSpec, total: Float64Array, scratch: Float64Array): void {
  total.fill(0, 0, count);
  if (count <= 1) return;
  for (const w of weighers) {
    const m = w.multiplier;
    if (m === 0) continue;
    if (w.weighAll) w.weighAll(hosts, idx, count, spec, scratch);
    else for (let i = 0; i < count; i++) scratch[i] = w.weigh(hosts[idx[i]!]!, spec);
    let min = scratch[0]!;
    let max = min;
    for (let i = 1; i < count; i++) {
      const v = scratch[i]!;
      if (v < min) min = v;
      else if (v > max) max = v;
    }
    if (min === max) continue;
    // normalizeInPlace's arithmetic, fused into the sum to save two passes.
    const range = max - min;
    for (let i = 0; i < count; i++) total[i] = total[i]! + m * ((scratch[i]! - min) / range);
  }
}
