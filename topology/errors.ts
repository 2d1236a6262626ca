/**
 * TopologyError: every problem found in a topology file, each located by file, line, column and field
 * path, so an operator can jump straight to the offending line (`topology.yaml:42:7 cell.hosts: ...`).
 */

/** One segment of a field path: an object key or an array index. */
export type PathSegment = string | number;

/** A problem before it has been located in the file (semantic checks work on data, not on text). */
export interface PathIssue {
  path: PathSegment[];
  message: string;
  /** Point at the key itself rather than its value (unknown keys, duplicate names). */
  atKey?: boolean;
}

export interface TopologyIssue {
  file: string;
  /** 1-based; 1 when the problem concerns the whole file. */
  line: number;
  /** 1-based. */
  col: number;
  /** Field path like `cell.children[1].hosts[0].names`; empty for the whole file. */
  path: string;
  message: string;
}

export class TopologyError extends Error {
  readonly issues: TopologyIssue[];

  constructor(issues: TopologyIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'TopologyError';
    this.issues = issues;
  }
}

export function formatIssue(i: TopologyIssue): string {
  return `${i.file}:${i.line}:${i.col} ${i.path || '(file)'}: ${i.message}`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['cell', 'children', 1, 'nova', 'a.b']` → `cell.children[1].nova["a.b"]` (JSONPath-like, readable). */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
