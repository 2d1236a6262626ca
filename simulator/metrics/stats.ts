/**
 * Small statistics for reports: percentiles of a sample (nearest rank, on a sorted copy), mean and
 * standard deviation, and Student-t confidence intervals for the mean across replications.
 */

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Mean of an array, summed in index order (callers pass sorted data when order could vary). */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

export function stddev(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Two-sided 95% Student-t quantiles for 1..30 degrees of freedom; 1.96 beyond. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export interface Interval {
  mean: number;
  /** Half-width of the 95% confidence interval (0 with a single value). */
  ci95: number;
  sd: number;
  n: number;
}

export function confidence95(xs: readonly number[]): Interval {
  const n = xs.length;
  const m = mean(xs);
  const sd = stddev(xs);
  const t = n < 2 ? 0 : (T95[n - 2] ?? 1.96);
  return { mean: m, ci95: n < 2 ? 0 : (t * sd) / Math.sqrt(n), sd, n };
}

/** A growable array of doubles (latencies of a million builds without a million boxed numbers). */
export class DoubleList {
  private data = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}
