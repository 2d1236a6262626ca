/**
 * A topology nests a few levels per cell; a file nested hundreds deep is a mistake or an attack, and the
 * YAML parser (recursive) would die of "Maximum call stack size exceeded" without saying where. This
 * scan runs first, in one linear pass without recursion: it counts block levels (indentation and
 * `- ` items) plus open flow brackets outside quotes and comments, and names the line and column
 * where the depth first passes the limit.
 */

/** Far beyond any real file (a 10-level cell tree is about 40), far below the parser's stack. */
export const MAX_NESTING = 200;

export interface NestingProblem {
  line: number;
  col: number;
  depth: number;
}

/** The first place `text` nests deeper than `max` levels, or undefined. */
export function findDeepNesting(text: string, max = MAX_NESTING): NestingProblem | undefined {
  const indents: number[] = []; // block levels open at the current line: their columns
  let flow = 0;
  let quote: '"' | "'" | undefined;
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    let i = 0;
    if (flow === 0 && quote === undefined) {
      while (i < line.length && line[i] === ' ') i++;
      if (i === line.length || line[i] === '#') continue;
      while (indents.length > 0 && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
      // "- - - x": each dash opens one more block level, one column further in.
      while (line[i] === '-' && (line[i + 1] === ' ' || i + 1 === line.length)) {
        i += 1;
        while (line[i] === ' ') i++;
        indents.push(i);
        if (indents.length + flow > max) return { line: li + 1, col: i + 1, depth: indents.length + flow };
      }
      if (indents.length > max) return { line: li + 1, col: i + 1, depth: indents.length };
    }
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (quote !== undefined) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) quote = undefined;
        continue;
      }
      if (ch === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      if (ch === '"' || ch === "'") {
        // A quote only opens a string where a scalar starts, not inside a plain word like it's.
        const prev = i === 0 ? ' ' : line[i - 1]!;
        if (' \t[{,:-'.includes(prev)) quote = ch;
      } else if (ch === '[' || ch === '{') {
        flow++;
        if (indents.length + flow > max) return { line: li + 1, col: i + 1, depth: indents.length + flow };
      } else if ((ch === ']' || ch === '}') && flow > 0) {
        flow--;
      }
    }
  }
  return undefined;
}
