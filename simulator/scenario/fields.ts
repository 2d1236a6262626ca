/**
 * Field types of scenario files, with messages written for the person reading them next to a line
 * number: durations (`90s`, `1h30m`), rates (`10/min`), fractions and weight tables (`{m1.small: 3}`).
 */
import { z } from 'zod';
import { parseDuration, parseRate } from '../units.ts';

/** A duration in ms from `90s`, `1h30m`, `250ms`, `2d` or a number of seconds. */
const shown = (v: unknown): string => (v === null || typeof v === 'object' ? 'a mapping or list' : JSON.stringify(v));

export const durationMs = z.unknown().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    const what = 'a duration like 90s, 30m, 1h30m, 250ms or 2d (a number is seconds)';
    ctx.addIssue({ code: 'custom', message: v === undefined ? `required: expected ${what}` : `expected ${what}, got ${shown(v)}` });
    return z.NEVER;
  }
  return ms;
});

/** A positive duration. */
export const positiveDurationMs = durationMs.refine((ms) => ms > 0, 'expected a duration more than 0');

/** Events per ms from `10/min`, `5/s`, `1200/h` or a number per second. */
export const ratePerMs = z.unknown().transform((v, ctx) => {
  const r = parseRate(v);
  if (r === undefined) {
    const what = 'a rate like 10/min, 5/s or 1200/h (a number is per second)';
    ctx.addIssue({ code: 'custom', message: v === undefined ? `required: expected ${what}` : `expected ${what}, got ${shown(v)}` });
    return z.NEVER;
  }
  return r;
});

export const fraction = z.number().min(0, 'expected a fraction from 0 to 1').max(1, 'expected a fraction from 0 to 1');

/** `{name: weight}` with positive weights; the names are checked against the topology later. */
export const weights = z
  .record(z.string().min(1), z.number().min(0, 'expected a weight of 0 or more'))
  .refine((w) => Object.values(w).some((x) => x > 0), 'expected at least one weight more than 0');

export const seedSchema = z.union([z.number().int('expected a whole number or a string'), z.string().min(1)]).transform(String);
