/**
 * Semantic checks run after the schema: everything that needs the whole file in view. Works on
 * validated data and returns problems with data paths; load.ts turns those into line numbers.
 */
import { checkCatalog } from './check-catalog.ts';
import { checkTree } from './check-tree.ts';
import type { PathIssue } from './errors.ts';
import type { Topology } from './schema.ts';

export function checkTopology(t: Topology): PathIssue[] {
  return [...checkTree(t), ...checkCatalog(t)];
}
