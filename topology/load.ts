/**
 * Loading a topology file (YAML, or JSON which YAML reads too): parse keeping source positions, reject
 * alias cycles, substitute `${ENV_VAR}`, validate with the schema, then run the whole-file checks. Every
 * problem is reported at once, each as `file:line:col path: message`, in file order.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { checkTopology } from './check.ts';
import { substituteEnv, type Env } from './env.ts';
import { formatPath, TopologyError, type PathIssue, type TopologyIssue } from './errors.ts';
import { findDeepNesting, MAX_NESTING } from './nesting.ts';
import { topologySchema, withoutExtensions, type Topology } from './schema.ts';
import { findAliasProblems, locate } from './yaml-ast.ts';
import { topologyErrorMap, toPathIssues } from './zod-issues.ts';
import { errorMessage } from '../runtime/errors/index.ts';

export interface LoadOptions {
  /** Values for `${ENV_VAR}` references; default `process.env`. */
  env?: Env;
}

/** Generous for real files, but still stops a "billion laughs" alias bomb. */
const MAX_ALIAS_COUNT = 10_000;

function fail(file: string, doc: Document, lc: LineCounter, issues: PathIssue[]): never {
  const located: TopologyIssue[] = issues.map((i) => ({
    file,
    ...locate(doc, lc, i.path, i.atKey),
    path: formatPath(i.path),
    message: i.message,
  }));
  located.sort((a, b) => a.line - b.line || a.col - b.col);
  throw new TopologyError(located);
}

/** Parses and validates topology text; `filename` is only used in messages. Throws TopologyError. */
export function parseTopology(text: string, filename = 'topology.yaml', options: LoadOptions = {}): Topology {
  const deep = findDeepNesting(text);
  if (deep) {
    throw new TopologyError([{
      file: filename, line: deep.line, col: deep.col, path: '',
      message: `nested more than ${MAX_NESTING} levels deep (${deep.depth} here); a topology needs a few levels per cell`,
    }]);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the first: later syntax errors are mostly echoes of it.
    const e = doc.errors[0]!;
    throw new TopologyError([{ file: filename, ...lc.linePos(e.pos[0]), path: '', message: `not valid YAML: ${e.message}` }]);
  }
  const aliasIssues = findAliasProblems(doc);
  if (aliasIssues.length > 0) fail(filename, doc, lc, aliasIssues);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    fail(filename, doc, lc, [{ path: [], message: `cannot expand aliases: ${errorMessage(e)}` }]);
  }
  const envIssues: PathIssue[] = [];
  data = substituteEnv(data, options.env ?? process.env, envIssues);
  if (envIssues.length > 0) fail(filename, doc, lc, envIssues);

  const parsed = topologySchema.safeParse(withoutExtensions(data), { error: topologyErrorMap });
  if (!parsed.success) fail(filename, doc, lc, toPathIssues(parsed.error));

  const semantic = checkTopology(parsed.data);
  if (semantic.length > 0) fail(filename, doc, lc, semantic);
  return parsed.data;
}

/** Reads and validates a topology file. Throws TopologyError (also when the file cannot be read). */
export function loadTopology(path: string, options: LoadOptions = {}): Topology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TopologyError([{ file: path, line: 1, col: 1, path: '', message: `cannot read the file: ${errorMessage(e)}` }]);
  }
  return parseTopology(text, path, options);
}

/**
 * Validates a topology built in code (generated, or embedded in a scenario): the same schema and checks
 * as a file, with paths but no line numbers (issues point at line 1 of `source`).
 */
export function validateTopology(input: unknown, source = '<object>'): Topology {
  const parsed = topologySchema.safeParse(withoutExtensions(input), { error: topologyErrorMap });
  const issues = parsed.success ? checkTopology(parsed.data) : toPathIssues(parsed.error);
  if (issues.length > 0) {
    throw new TopologyError(issues.map((i) => ({ file: source, line: 1, col: 1, path: formatPath(i.path), message: i.message })));
  }
  return parsed.data!;
}
