/**
 * The scenario file: a topology (a path, a generator, or inline), Nova options to vary, the network and
 * spawn-time models, a workload, faults at given times, a duration and a seed. Strict at every level,
 * as topology files are: a misspelt key is an error that names the closest valid key.
 */
import { z } from 'zod';
import { novaOptionsSchema } from '../../topology/nova-options.ts';
import { distributionSchema } from '../workload/distributions.ts';
import { durationMs, positiveDurationMs, seedSchema } from './fields.ts';
import { workloadSchema } from './schema-workload.ts';

export const FAULT_KINDS = ['host_down', 'link_cut', 'site_lost'] as const;

export const faultSchema = z
  .strictObject({
    /** When the fault happens, from the start of the run. */
    at: durationMs,
    kind: z.enum(FAULT_KINDS),
    /** host_down: one host name or range (`r1s1c1-compute[001:004]`), or a list of them. */
    hosts: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** link_cut: full name of the cell whose link to its parent is cut. */
    cell: z.string().min(1).optional(),
    /** site_lost: `region/site`. */
    site: z.string().min(1).optional(),
    /** How long until it is repaired (omit: never). */
    duration: positiveDurationMs.optional(),
    /** A label for reports (default: derived from the fault). */
    label: z.string().min(1).optional(),
  })
  .superRefine((f, ctx) => {
    const wants = { host_down: 'hosts', link_cut: 'cell', site_lost: 'site' } as const;
    const key = wants[f.kind];
    if (f[key] === undefined) ctx.addIssue({ code: 'custom', path: [], message: `required: "${key}" (a ${f.kind} fault names its ${key})` });
    for (const other of ['hosts', 'cell', 'site'] as const) {
      if (other !== key && f[other] !== undefined) ctx.addIssue({ code: 'custom', path: [other], message: `"${other}" does not apply to kind: ${f.kind} (it takes "${key}")` });
    }
  });

export const generateSchema = z.strictObject({
  name: z.string().min(1).optional(),
  regions: z.number().int().min(1),
  sites_per_region: z.number().int().min(1),
  cells_per_site: z.number().int().min(1),
  hosts_per_cell: z.number().int().min(1),
  host: z
    .strictObject({
      vcpus: z.number().int().min(1).optional(),
      memory_mb: z.number().int().min(1).optional(),
      disk_gb: z.number().int().min(0).optional(),
    })
    .optional(),
  /** Flavors of the generated catalog (default: m1.tiny … m1.xlarge). */
  flavors: z.array(z.strictObject({ name: z.string().min(1), vcpus: z.number().int().min(1), ram: z.number().int().min(1), disk: z.number().int().min(0) })).min(1).optional(),
});

export const topologyRefSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { path: v } : v),
  z
    .strictObject({
      /** A topology file, relative to the scenario file. */
      path: z.string().min(1).optional(),
      /** api → region → site → leaf cells of generated hosts. */
      generate: generateSchema.optional(),
      /** A whole topology document, written in place. */
      inline: z.record(z.string(), z.unknown()).optional(),
    })
    .superRefine((t, ctx) => {
      const given = (['path', 'generate', 'inline'] as const).filter((k) => t[k] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({ code: 'custom', path: given.length > 1 ? [given[1]!] : [], message: 'expected exactly one of: path, generate, inline' });
      }
    }),
);

export const networkSchema = z.strictObject({
  /** One-way delay between two cells at the same site (or without coordinates). */
  same_site_ms: z.number().min(0).default(0.5),
  /** Added per km of great-circle distance between sites (light in fibre, with routing: ~0.01 ms/km). */
  per_km_ms: z.number().min(0).default(0.01),
  /** One-way delay between services inside one cell (0: delivered at once). */
  intra_cell_ms: z.number().min(0).default(0),
});

export const scenarioSchema = z.strictObject({
  version: z.literal(1, 'expected version: 1 (the only format version so far)').default(1),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected a name of letters, digits, ".", "-" and "_"').default('scenario'),
  description: z.string().optional(),
  /** Default seed; `--seed` overrides it. */
  seed: seedSchema.default('1'),
  /** Simulated time during which requests arrive. */
  duration: positiveDurationMs,
  /** Extra simulated time after `duration` for builds in flight to finish. */
  drain: durationMs.default(30 * 60_000),
  /** How often utilisation is sampled, and the width of the time-series buckets. */
  sample_interval: positiveDurationMs.default(5 * 60_000),
  topology: topologyRefSchema,
  /** Nova options applied to every cell, over the topology's own (the knobs of a what-if). */
  nova: novaOptionsSchema.optional(),
  network: networkSchema.prefault({}),
  /** Spawn time of every fake host (default: each host group's driver_options.spawn_time_ms). */
  spawn_time: distributionSchema.optional(),
  workload: workloadSchema,
  faults: z.array(faultSchema).default([]),
  /** The system under simulation. */
  target: z.enum(['flat-cells', 'cell-tree']).default('cell-tree'),
  /** Replay the workload against the flat best-fit oracle too. */
  oracle: z.boolean().default(true),
  /** Cell databases: `discard` skips SQLite writes (a run never restarts a cell), `memory` keeps them. */
  database: z.enum(['discard', 'memory']).default('discard'),
});

export type ScenarioDoc = z.output<typeof scenarioSchema>;
export type FaultDoc = z.output<typeof faultSchema>;
export type GenerateDoc = z.output<typeof generateSchema>;
export type NetworkSpec = z.output<typeof networkSchema>;
