/**
 * Per-cell Nova options in a topology file. Operators write them the way nova.conf reads: nested by
 * section (`filter_scheduler: {ram_weight_multiplier: -1}`), dotted (`filter_scheduler.ram_weight_multiplier:
 * -1`), or bare for [DEFAULT] (`cpu_allocation_ratio: 4.0`). All three are validated against
 * runtime/config's `novaConfigSchema` (so names and types stay Nova's) and normalised to the nested form.
 */
import { z } from 'zod';
import { novaConfigSchema, type NovaConfig, type NovaConfigInput } from '../runtime/config/index.ts';

/** Overrides in nested form: `{section: {option: value}}`, only what the file set. */
export type NovaOverrides = NovaConfigInput;

type AnySchema = z.ZodType;

/** Strip `.default()` / `.prefault()` so a missing option stays missing (the defaults apply once, at the end). */
function unwrapDefaults(s: AnySchema): AnySchema {
  let cur: AnySchema = s;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodPrefault) {
    const inner = cur.unwrap();
    if (!(inner instanceof z.ZodType)) break;
    cur = inner;
  }
  return cur;
}

/** Section name → option name → the option's schema without its default. */
export const NOVA_OPTIONS: Readonly<Record<string, Readonly<Record<string, AnySchema>>>> = Object.fromEntries(
  Object.entries(novaConfigSchema.shape).map(([section, schema]) => {
    const obj = unwrapDefaults(schema);
    if (!(obj instanceof z.ZodObject)) throw new Error(`nova.conf section [${section}] is not an object schema`);
    const opts = Object.fromEntries(Object.entries(obj.shape).map(([k, v]) => [k, unwrapDefaults(v)]));
    return [section, opts];
  }),
);

export const NOVA_SECTIONS: readonly string[] = Object.keys(NOVA_OPTIONS);

function buildNovaOptionsShape(): Record<string, AnySchema> {
  const shape: Record<string, AnySchema> = {};
  for (const [section, opts] of Object.entries(NOVA_OPTIONS)) {
    shape[section] = z
      .strictObject(Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, v.optional()])))
      .optional()
      .meta({ description: `Options of nova.conf's [${section}] section.` });
    for (const [opt, schema] of Object.entries(opts)) {
      shape[`${section}.${opt}`] = schema.optional();
      if (section === 'DEFAULT') shape[opt] = schema.optional();
    }
  }
  return shape;
}

/** A whole section given as a map (`filter_scheduler: {...}`). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a key of a `nova:` block lands in nested form; null for a section given as a whole. */
function locate(key: string): { section: string; option: string } | null {
  if (NOVA_SECTIONS.includes(key)) return null;
  const dot = key.indexOf('.');
  if (dot > 0) return { section: key.slice(0, dot), option: key.slice(dot + 1) };
  return { section: 'DEFAULT', option: key };
}

/** The same option set twice in one block (e.g. nested and dotted) is ambiguous, so it is an error. */
function checkSetOnce(block: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const note = (section: string, option: string, path: (string | number)[], spelled: string) => {
    const id = `${section}.${option}`;
    const first = seen.get(id);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path, message: `option [${section}] ${option} is set twice in this block (also as ${first})` });
    } else {
      seen.set(id, spelled);
    }
  };
  for (const [key, value] of Object.entries(block)) {
    if (value === undefined) continue;
    const where = locate(key);
    if (where) note(where.section, where.option, [key], `"${key}"`);
    else if (isRecord(value)) for (const opt of Object.keys(value)) note(key, opt, [key, opt], `"${opt}" under "${key}"`);
  }
}

function normalise(block: Record<string, unknown>): NovaOverrides {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(block)) {
    if (value === undefined) continue;
    const where = locate(key);
    if (where) (out[where.section] ??= {})[where.option] = value;
    else if (isRecord(value)) Object.assign((out[key] ??= {}), value);
  }
  return out as NovaOverrides;
}

/** A cell's `nova:` block: validated, then normalised to nested form. */
export const novaOptionsSchema = z
  .strictObject(buildNovaOptionsShape())
  .superRefine((block, ctx) => checkSetOnce(block, ctx))
  .transform(normalise)
  .meta({
    id: 'NovaOptions',
    description:
      'Nova options for this cell and its descendants, in nova.conf names: nested by section, dotted "section.option", or bare for [DEFAULT].',
  });

/** Child overrides parent option by option; lists (enabled_filters) are replaced, not appended. */
export function mergeNovaOverrides(parent: NovaOverrides, child: NovaOverrides): NovaOverrides {
  const out: Record<string, Record<string, unknown>> = {};
  const sources: Record<string, Record<string, unknown> | undefined>[] = [parent, child];
  for (const src of sources) {
    for (const [section, opts] of Object.entries(src)) if (opts) Object.assign((out[section] ??= {}), opts);
  }
  return out as NovaOverrides;
}

/** Nova's defaults overlaid with `overrides`. */
export function effectiveNovaConfig(overrides: NovaOverrides): NovaConfig {
  return novaConfigSchema.parse(overrides);
}

/** Why a key of a `nova:` block is unknown, in nova.conf terms (section or option, with a suggestion). */
export function unknownNovaKeyMessage(key: string, suggest: (name: string, candidates: readonly string[]) => string): string {
  const dot = key.indexOf('.');
  if (dot > 0) {
    const section = key.slice(0, dot);
    const options = NOVA_OPTIONS[section];
    if (!options) return `unknown Nova section "${section}"; ${suggest(section, NOVA_SECTIONS)}`;
    const option = key.slice(dot + 1);
    return `unknown option "${option}" in Nova section [${section}]; ${suggest(option, Object.keys(options))}`;
  }
  const bare = [...NOVA_SECTIONS, ...Object.keys(NOVA_OPTIONS.DEFAULT ?? {})];
  return `unknown Nova option "${key}" (a bare name is a [DEFAULT] option, or a section); ${suggest(key, bare)}`;
}
