/**
 * The topology file's JSON Schema, generated from the zod schema so it can never drift: editors (VS Code
 * with the YAML extension, JetBrains) use it for completion and inline errors. Regenerate the committed
 * copy with `npx tsx topology/json-schema.ts` after changing the schema; a test fails when it is stale.
 * Whole-file rules (duplicates, references, ranges) are not expressible here; `novacell` checks them.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { topologySchema } from './schema.ts';

export const TOPOLOGY_SCHEMA_PATH = fileURLToPath(new URL('./topology.schema.json', import.meta.url));

export function buildTopologyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(topologySchema, {
    target: 'draft-2020-12',
    // Input side: what an operator writes (defaults make keys optional; transforms do not apply yet).
    io: 'input',
    unrepresentable: 'any',
    cycles: 'ref',
  });
  // "x-" keys hold YAML anchors and are ignored (schema.ts: withoutExtensions); zod cannot say so itself.
  const root = schema.$defs?.Topology;
  if (root) root.patternProperties = { '^x-': {} };
  return schema;
}

export function renderTopologyJsonSchema(): string {
  return `${JSON.stringify(buildTopologyJsonSchema(), null, 2)}\n`;
}

export function writeTopologyJsonSchema(path: string = TOPOLOGY_SCHEMA_PATH): void {
  writeFileSync(path, renderTopologyJsonSchema());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeTopologyJsonSchema();
  console.log(`wrote ${TOPOLOGY_SCHEMA_PATH}`);
}
