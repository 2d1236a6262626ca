/**
 * Time to recover after a fault, from the rejection rate of requests by arrival time (per bucket):
 * the baseline is the rate in the hour before the fault; the fault "hurt" if the rate rose above the
 * baseline by more than 2 points while it lasted; it has recovered at the first bucket, from the repair
 * on (or from the fault itself when it is never repaired), whose rate is back within max(2 points, 10%
 * of the excess) of the baseline. Buckets without arrivals carry no information and are skipped.
 */
import type { ResolvedFault } from '../scenario/model.ts';

export interface FaultImpact {
  label: string;
  kind: string;
  atS: number;
  untilS: number | null;
  baselineRejectionRate: number;
  peakRejectionRate: number;
  /** Seconds from the repair (or the fault, if never repaired) to recovery; null: not within the run. */
  timeToRecoverS: number | null;
  recoveredAtS: number | null;
  hurt: boolean;
}

export function faultImpact(f: ResolvedFault, arrivals: readonly number[], rejected: readonly number[], bucketMs: number, endMs: number): FaultImpact {
  const rate = (b: number): number | undefined => ((arrivals[b] ?? 0) > 0 ? (rejected[b] ?? 0) / arrivals[b]! : undefined);
  const first = Math.floor(f.atMs / bucketMs);
  const from = Math.max(0, Math.floor((f.atMs - 3_600_000) / bucketMs));
  let a = 0;
  let r = 0;
  for (let b = from; b < first; b++) {
    a += arrivals[b] ?? 0;
    r += rejected[b] ?? 0;
  }
  const baseline = a > 0 ? r / a : 0;
  const repairMs = f.untilMs ?? f.atMs;
  const lastBucket = Math.ceil(endMs / bucketMs);
  let peak = baseline;
  const peakEnd = Math.max(first, Math.floor(Math.min(repairMs, endMs) / bucketMs));
  for (let b = first; b <= peakEnd; b++) peak = Math.max(peak, rate(b) ?? 0);
  const hurt = peak > baseline + 0.02;
  const base = { label: f.label, kind: f.kind, atS: f.atMs / 1000, untilS: f.untilMs === null ? null : f.untilMs / 1000, baselineRejectionRate: baseline, peakRejectionRate: peak, hurt };
  if (!hurt) return { ...base, timeToRecoverS: 0, recoveredAtS: repairMs / 1000 };
  const threshold = baseline + Math.max(0.02, 0.1 * (peak - baseline));
  for (let b = Math.floor(repairMs / bucketMs); b < lastBucket; b++) {
    const x = rate(b);
    if (x === undefined || x > threshold) continue;
    const at = Math.max(repairMs, b * bucketMs);
    return { ...base, timeToRecoverS: (at - repairMs) / 1000, recoveredAtS: at / 1000 };
  }
  return { ...base, timeToRecoverS: null, recoveredAtS: null };
}
