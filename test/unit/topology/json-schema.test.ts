/**
 * The JSON Schema for editors is generated from the zod schema; the committed copy must match it, and
 * it must describe what the loader accepts (strict objects, x- keys, the host names forms).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTopologyJsonSchema, renderTopologyJsonSchema, TOPOLOGY_SCHEMA_PATH } from '../../../topology/index.ts';

type Defs = Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown; patternProperties?: unknown; required?: string[] }>;

describe('topology.schema.json', () => {
  it('is up to date (regenerate with `npx tsx topology/json-schema.ts`)', () => {
    expect(readFileSync(TOPOLOGY_SCHEMA_PATH, 'utf8')).toBe(renderTopologyJsonSchema());
  });

  it('forbids unknown keys everywhere but allows x- extension keys at the top', () => {
    const defs = (buildTopologyJsonSchema() as { $defs: Defs }).$defs;
    for (const name of ['Topology', 'Cell', 'HostGroup', 'Broker', 'Database', 'Flavor', 'Image', 'User', 'NovaOptions']) {
      expect(defs[name]?.additionalProperties, name).toBe(false);
    }
    expect(defs.Topology!.patternProperties).toEqual({ '^x-': {} });
    expect(defs.Topology!.required).toEqual(['cell']);
  });

  it('lists Nova options in all three spellings', () => {
    const nova = (buildTopologyJsonSchema() as { $defs: Defs }).$defs.NovaOptions!.properties!;
    expect(Object.keys(nova)).toEqual(expect.arrayContaining(['filter_scheduler', 'filter_scheduler.ram_weight_multiplier', 'cpu_allocation_ratio']));
  });
});
