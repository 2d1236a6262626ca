/**
 * Loading a scenario file: parse the YAML keeping positions, apply `--set` overrides, validate with the
 * schema, then resolve it (topology, workload, faults) with checks that need the topology in view. All
 * problems are reported at once as `file:line:col path: message`, in file order, as topology files are.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { formatPath, type PathIssue, type TopologyIssue } from '../../topology/errors.ts';
import { withoutExtensions } from '../../topology/schema.ts';
import { findAliasProblems, locate } from '../../topology/yaml-ast.ts';
import { topologyErrorMap, toPathIssues } from '../../topology/zod-issues.ts';
import { ScenarioError } from './errors.ts';
import type { Scenario } from './model.ts';
import { applyOverrides, overrideFor, parseOverride, type Override } from './overrides.ts';
import { resolveScenario } from './resolve.ts';
import { scenarioSchema } from './schema.ts';
import { errorMessage } from '../../runtime/errors/index.ts';

export interface ScenarioLoadOptions {
  /** `key=value` overrides, as `--set` gives them. */
  set?: readonly string[];
  /** Directory relative paths are resolved against (default: the scenario file's). */
  baseDir?: string;
}

/** Turns data-path issues into located ones and throws them. */
export type Fail = (issues: PathIssue[]) => never;

type ErrorMap = Parameters<typeof topologyErrorMap>[0];
const scenarioErrorMap = (iss: ErrorMap): string | undefined =>
  iss.code === 'invalid_union' ? 'expected one of the accepted forms of this field (see docs/simulation.md)' : topologyErrorMap(iss);

function locator(file: string, doc: Document | null, lc: LineCounter | null, overrides: readonly Override[]): Fail {
  return (issues) => {
    const located: TopologyIssue[] = issues.map((i) => {
      const o = overrideFor(i.path, overrides);
      if (o || !doc || !lc) return { file: o ? `--set ${o.text}` : file, line: 0, col: 0, path: formatPath(i.path), message: i.message };
      return { file, ...locate(doc, lc, i.path, i.atKey), path: formatPath(i.path), message: i.message };
    });
    located.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ScenarioError(located);
  };
}

/** Parse and validate scenario text; `file` names it in messages and anchors relative paths. */
export function parseScenario(text: string, file = 'scenario.yaml', options: ScenarioLoadOptions = {}): Scenario {
  const overrides = (options.set ?? []).map(parseOverride);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ScenarioError([{ file, ...lc.linePos(e.pos[0]), path: '', message: `not valid YAML: ${e.message}` }]);
  }
  const early = locator(file, doc, lc, []);
  const aliasIssues = findAliasProblems(doc);
  if (aliasIssues.length > 0) early(aliasIssues);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 10_000 });
  } catch (e) {
    early([{ path: [], message: `cannot expand aliases: ${errorMessage(e)}` }]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) early([{ path: [], message: 'expected a mapping (key: value) at the top of the scenario' }]);
  const { data: withSets, applied } = applyOverrides(data, overrides);
  const fail = locator(file, doc, lc, applied);
  const parsed = scenarioSchema.safeParse(withoutExtensions(withSets), { error: scenarioErrorMap });
  if (!parsed.success) fail(toPathIssues(parsed.error));
  const baseDir = options.baseDir ?? dirname(resolvePath(file));
  const hash = createHash('sha256').update(text).update('\0').update(applied.map((o) => o.text).join('\n'));
  return resolveScenario(parsed.data!, { file, baseDir, fail, hash, overrides: applied.map((o) => o.text) });
}

/** Read and validate a scenario file. Throws ScenarioError (or TopologyError from a referenced topology file). */
export function loadScenario(path: string, options: ScenarioLoadOptions = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError([{ file: path, line: 1, col: 1, path: '', message: `cannot read the file: ${errorMessage(e)}` }]);
  }
  return parseScenario(text, path, options);
}
