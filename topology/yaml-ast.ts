/**
 * Finding things in the YAML syntax tree: the line and column of the node at a data path (so every
 * error can name its line), and aliases that point at one of their own ancestors — a YAML way to make
 * a cell its own descendant, which would otherwise loop forever.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { PathIssue, PathSegment } from './errors.ts';

/** A value of the tree as a node; a missing value (null key, empty value) is undefined. */
function nodeOf(v: unknown): Node | undefined {
  return isNode(v) ? v : undefined;
}

function deref(doc: Document, node: unknown): Node | undefined {
  let cur = nodeOf(node);
  for (let hops = 0; cur && isAlias(cur) && hops < 100; hops++) cur = cur.resolve(doc);
  return cur;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

/** The pair for `key` in a map, looking through `<<: *anchor` merge keys as YAML 1.1 does. */
function findPair(doc: Document, map: Node | undefined, key: PathSegment, depth = 0): Pair | undefined {
  if (!isMap(map) || depth > 20) return undefined;
  const own = map.items.find((p) => isScalar(p.key) && !isMergeKey(p.key) && String(p.key.value) === String(key));
  if (own) return own;
  for (const p of map.items) {
    if (!isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const s of sources) {
      const hit = findPair(doc, deref(doc, s), key, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * Offset of the deepest node along `path` (the key itself when `atKey`). A path that leaves the file
 * (a missing required key) stops at its closest existing ancestor, which is where the key belongs.
 */
export function offsetAt(doc: Document, path: readonly PathSegment[], atKey = false): number {
  let node = nodeOf(doc.contents);
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const here = deref(doc, node);
    const seg = path[i]!;
    let next: Node | undefined;
    if (isMap(here)) {
      const pair = findPair(doc, here, seg);
      if (!pair) break;
      const keyNode = nodeOf(pair.key);
      const last = i === path.length - 1;
      if ((last && atKey) || pair.value == null) {
        offset = keyNode?.range?.[0] ?? offset;
        if (pair.value == null) break;
      }
      next = nodeOf(pair.value);
    } else if (isSeq(here) && typeof seg === 'number') {
      next = nodeOf(here.items[seg]);
    } else {
      break;
    }
    if (!next) break;
    node = next;
    if (!(i === path.length - 1 && atKey)) offset = next.range?.[0] ?? offset;
  }
  return offset;
}

export function locate(doc: Document, lc: LineCounter, path: readonly PathSegment[], atKey = false): { line: number; col: number } {
  return lc.linePos(offsetAt(doc, path, atKey));
}

function cellName(doc: Document, node: Node): string | undefined {
  const n = deref(doc, node);
  if (!isMap(n)) return undefined;
  const v = findPair(doc, n, 'name')?.value;
  return isScalar(v) ? String(v.value) : undefined;
}

/**
 * Aliases that refer to an enclosing node, and aliases to anchors never defined. A YAML alias can only
 * name an anchor defined before it, so a cycle always runs through an ancestor: checking the ancestors
 * of each alias is enough.
 */
export function findAliasProblems(doc: Document): PathIssue[] {
  const issues: PathIssue[] = [];
  const ancestors: Node[] = [];
  const visit = (value: unknown, path: PathSegment[]): void => {
    const node = nodeOf(value);
    if (!node) return;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        issues.push({ path, message: `alias *${node.source} has no anchor &${node.source} before it` });
      } else if (ancestors.includes(target)) {
        const inTree = path.includes('children');
        const name = cellName(doc, target);
        issues.push({
          path,
          message: inTree && name !== undefined
            ? `cycle in the cell tree: alias *${node.source} makes cell "${name}" its own descendant`
            : `cycle: alias *${node.source} refers to a node that contains it`,
        });
      }
      return;
    }
    ancestors.push(node);
    if (isMap(node)) {
      for (const p of node.items) {
        if (isMergeKey(p.key)) visit(p.value, path);
        else visit(p.value, [...path, isScalar(p.key) ? String(p.key.value) : '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    }
    ancestors.pop();
  };
  visit(doc.contents, []);
  return issues;
}
