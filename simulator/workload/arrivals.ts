/**
 * Arrival processes: Poisson at a constant rate, and bursts (a Poisson process whose rate switches to
 * `burst_rate` for `burst_duration` every `burst_every`). Bursts are drawn exactly, by spending one
 * exponential variate of "unit work" across the rate's pieces, not by thinning, so each arrival costs
 * one draw from the arrivals stream whatever the rates.
 */
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { ArrivalsSpec } from '../scenario/schema-workload.ts';

export interface ArrivalProcess {
  /** Time (ms from the start) of the next arrival after `t`; Infinity when there is none before `endMs`. */
  next(t: number): number;
}

/** Piecewise-constant rate: value at `t`, and when it next changes. */
interface RateFn {
  at(t: number): number;
  nextChange(t: number): number;
}

function burstRate(a: ArrivalsSpec): RateFn {
  const every = a.burst_every!;
  const dur = a.burst_duration!;
  const first = a.first_burst_at ?? every;
  return {
    at: (t) => {
      if (t < first) return a.rate!;
      return (t - first) % every < dur ? a.burst_rate! : a.rate!;
    },
    nextChange: (t) => {
      if (t < first) return first;
      const k = Math.floor((t - first) / every);
      const start = first + k * every;
      return t < start + dur ? start + dur : start + every;
    },
  };
}

export function arrivalProcess(a: ArrivalsSpec, stream: RandomStream, endMs: number): ArrivalProcess {
  const rate: RateFn =
    a.process === 'bursts' ? burstRate(a) : { at: () => a.rate ?? 0, nextChange: () => Infinity };
  return {
    next(t0: number): number {
      let t = t0;
      let work = stream.exponential(1);
      for (let guard = 0; guard < 1_000_000; guard++) {
        if (t >= endMs) return Infinity;
        const r = rate.at(t);
        const end = Math.min(rate.nextChange(t), endMs);
        if (r > 0 && t + work / r <= end) return t + work / r;
        work -= r * (end - t);
        t = end;
      }
      return Infinity;
    },
  };
}
