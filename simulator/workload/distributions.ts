/**
 * Random durations for spawn times and server lifetimes: a fixed value, or a named distribution with its
 * parameters in duration units (`{distribution: lognormal, median: 20s, sigma: 0.5}`). One strict schema
 * for all kinds, so a misspelt kind or parameter gets a precise message; sampling draws from a given
 * named stream, so each use has its own sequence of numbers.
 */
import { z } from 'zod';
import type { RandomStream } from '../../runtime/rng/index.ts';
import { expectedOneOf } from '../../topology/suggest.ts';
import { durationMs } from '../scenario/fields.ts';

export const DISTRIBUTIONS = ['fixed', 'exponential', 'uniform', 'normal', 'lognormal'] as const;
export type DistributionKind = (typeof DISTRIBUTIONS)[number];

const isKind = (s: string): s is DistributionKind => DISTRIBUTIONS.some((k) => k === s);

const PARAMS = ['value', 'mean', 'min', 'max', 'sd', 'median', 'sigma'] as const;
type Param = (typeof PARAMS)[number];

/** Parameters each kind needs. */
const NEEDS: Record<DistributionKind, readonly Param[]> = {
  fixed: ['value'],
  exponential: ['mean'],
  uniform: ['min', 'max'],
  normal: ['mean', 'sd'],
  lognormal: ['median', 'sigma'],
};

const distributionObject = z
  .strictObject({
    distribution: z.string(),
    value: durationMs.optional(),
    mean: durationMs.optional(),
    min: durationMs.optional(),
    max: durationMs.optional(),
    sd: durationMs.optional(),
    median: durationMs.optional(),
    /** lognormal: standard deviation of the logarithm (dimensionless). */
    sigma: z.number().positive('expected a number more than 0').optional(),
  })
  .superRefine((d, ctx) => {
    const kind = d.distribution;
    if (!isKind(kind)) {
      ctx.addIssue({ code: 'custom', path: ['distribution'], message: `"${kind}" is not allowed; ${expectedOneOf(kind, DISTRIBUTIONS)}` });
      return;
    }
    const needs = NEEDS[kind];
    for (const p of needs) {
      if (d[p] === undefined) ctx.addIssue({ code: 'custom', path: [], message: `required: "${p}" (a ${kind} distribution needs ${needs.join(', ')})` });
    }
    for (const p of PARAMS) {
      // `max` also caps the other kinds (a truncation), so it is allowed everywhere.
      if (d[p] !== undefined && !needs.includes(p) && p !== 'max') {
        ctx.addIssue({ code: 'custom', path: [p], message: `"${p}" does not apply to a ${kind} distribution (it takes ${needs.join(', ')}, and optionally max)` });
      }
    }
    if (kind === 'uniform' && d.min !== undefined && d.max !== undefined && d.min > d.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'expected max >= min' });
    }
  });

export interface Distribution {
  kind: DistributionKind;
  value?: number;
  mean?: number;
  min?: number;
  max?: number;
  sd?: number;
  median?: number;
  sigma?: number;
}

/** A scalar (`30s`) is shorthand for `{distribution: fixed, value: 30s}`. */
const asMapping = (v: unknown): unknown => (v !== undefined && (v === null || typeof v !== 'object') ? { distribution: 'fixed', value: v } : v);

/** The checked mapping with its kind (the refinement above has already refused any other kind). */
const withKind = distributionObject.transform((d, ctx): Distribution => {
  const kind = d.distribution;
  if (isKind(kind)) return { ...d, kind };
  ctx.addIssue({ code: 'custom', path: ['distribution'], message: `"${kind}" is not allowed` });
  return z.NEVER;
});

/** A duration: a fixed value (`30s`) or a distribution mapping. */
export const distributionSchema = z.preprocess(asMapping, withKind);

/** A lifetime: a distribution, or `forever` (never deleted). */
export const lifetimeSchema = z.preprocess(
  (v) => (v === 'forever' ? null : asMapping(v)),
  withKind.nullable(),
);

/** Standard normal variate (Box–Muller), two uniforms per draw so the stream advances evenly. */
function gaussian(s: RandomStream): number {
  const u = 1 - s.next();
  const v = s.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One draw in milliseconds, never negative, capped at `max` when given. */
export function sample(d: Distribution, s: RandomStream): number {
  let x: number;
  switch (d.kind) {
    case 'fixed':
      x = d.value!;
      break;
    case 'exponential':
      x = s.exponential(d.mean!);
      break;
    case 'uniform':
      x = d.min! + (d.max! - d.min!) * s.next();
      break;
    case 'normal':
      x = d.mean! + d.sd! * gaussian(s);
      break;
    case 'lognormal':
      x = d.median! * Math.exp(d.sigma! * gaussian(s));
      break;
  }
  if (d.max !== undefined && d.kind !== 'uniform') x = Math.min(x, d.max);
  return Math.max(0, x);
}

/** The distribution's mean in ms (for documentation and sanity checks). */
export function meanOf(d: Distribution): number {
  switch (d.kind) {
    case 'fixed': return d.value!;
    case 'exponential': return d.mean!;
    case 'uniform': return (d.min! + d.max!) / 2;
    case 'normal': return d.mean!;
    case 'lognormal': return d.median! * Math.exp((d.sigma! * d.sigma!) / 2);
  }
}
