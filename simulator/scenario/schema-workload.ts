/**
 * The `workload:` block: how requests arrive (Poisson, bursts, or a CSV trace), which flavors they ask
 * for, how long servers live, and which carry server groups, availability-zone or cell hints.
 */
import { z } from 'zod';
import { distributionSchema, lifetimeSchema } from '../workload/distributions.ts';
import { durationMs, fraction, positiveDurationMs, ratePerMs, weights } from './fields.ts';

export const PROCESSES = ['poisson', 'bursts', 'trace'] as const;

export const arrivalsSchema = z
  .strictObject({
    process: z.enum(PROCESSES),
    /** poisson and bursts: requests per ms outside bursts. */
    rate: ratePerMs.optional(),
    /** bursts: rate during a burst. */
    burst_rate: ratePerMs.optional(),
    /** bursts: time between burst starts. */
    burst_every: positiveDurationMs.optional(),
    /** bursts: how long each burst lasts. */
    burst_duration: positiveDurationMs.optional(),
    /** bursts: when the first burst starts (default: one burst_every in). */
    first_burst_at: durationMs.optional(),
    /** trace: CSV file, relative to the scenario file. */
    file: z.string().min(1).optional(),
  })
  .superRefine((a, ctx) => {
    const need = (key: keyof typeof a, why: string) => {
      if (a[key] === undefined) ctx.addIssue({ code: 'custom', path: [], message: `required: "${key}" (${why})` });
    };
    const forbid = (keys: (keyof typeof a)[]) => {
      for (const k of keys) {
        if (a[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" does not apply to process: ${a.process}` });
      }
    };
    if (a.process === 'poisson') {
      need('rate', 'requests per unit of time, like 10/min');
      forbid(['burst_rate', 'burst_every', 'burst_duration', 'first_burst_at', 'file']);
    } else if (a.process === 'bursts') {
      need('rate', 'the rate between bursts, like 10/min');
      need('burst_rate', 'the rate during a burst, like 200/min');
      need('burst_every', 'time between burst starts, like 2h');
      need('burst_duration', 'how long a burst lasts, like 10m');
      forbid(['file']);
      if (a.burst_every !== undefined && a.burst_duration !== undefined && a.burst_duration > a.burst_every) {
        ctx.addIssue({ code: 'custom', path: ['burst_duration'], message: 'expected burst_duration <= burst_every' });
      }
    } else {
      need('file', 'a CSV file with a header line; see docs/simulation.md');
      forbid(['rate', 'burst_rate', 'burst_every', 'burst_duration', 'first_burst_at']);
    }
  });

const POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;

export const serverGroupsSchema = z.strictObject({
  /** Share of requests that boot a server group (one multi-instance request per group). */
  fraction,
  /** Members per group: a number, or a range {min, max}. */
  size: z.union([
    z.number().int().min(2, 'expected a group size of at least 2'),
    z.strictObject({ min: z.number().int().min(2, 'expected at least 2'), max: z.number().int().min(2, 'expected at least 2') })
      .refine((r) => r.max >= r.min, { message: 'expected max >= min', path: ['max'] }),
  ]).default(2),
  /** Weights of each policy, default anti-affinity only. */
  policies: z.partialRecord(z.enum(POLICIES), z.number().min(0, 'expected a weight of 0 or more')).default({ 'anti-affinity': 1 }),
});

export const hintSchema = z.strictObject({
  /** Share of requests that carry the hint. */
  fraction,
  /** Weighted choices (zones or cells); default: all of them, equally. */
  choices: weights.optional(),
});

export const workloadSchema = z.strictObject({
  arrivals: arrivalsSchema,
  /** Flavor mix by name and weight; default: every flavor of the topology, equally. */
  flavors: weights.optional(),
  /** Server lifetime: a duration, a distribution, or `forever`. */
  lifetime: lifetimeSchema.default(null),
  server_groups: serverGroupsSchema.optional(),
  /** Requests that ask for an availability zone (`choices` are zone names). */
  availability_zones: hintSchema.optional(),
  /** Requests that carry the cells v1 `target_cell` hint (`choices` are full cell names). */
  target_cells: hintSchema.optional(),
  /** Stop after this many requests (the run still lasts `duration`). */
  max_requests: z.number().int().positive().optional(),
});

export { distributionSchema };
export type WorkloadSpec = z.output<typeof workloadSchema>;
export type ArrivalsSpec = z.output<typeof arrivalsSchema>;
export type GroupPolicy = (typeof POLICIES)[number];
export const isGroupPolicy = (s: string): s is GroupPolicy => POLICIES.some((p) => p === s);
