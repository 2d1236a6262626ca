/**
 * `validate` on absurdly nested files: a location and a clear message instead of "Maximum call stack
 * size exceeded"; a cell tree deeper than max_hop_count is an error at the first unreachable cell.
 */
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../topology/errors.ts';
import { parseTopology } from '../../../topology/load.ts';
import { findDeepNesting } from '../../../topology/nesting.ts';

function nestedCells(levels: number): string {
  let s = 'cell:\n  name: api\n';
  let ind = '  ';
  for (let i = 0; i < levels; i++) {
    s += `${ind}children:\n${ind}  - name: c${i}\n`;
    ind += '    ';
  }
  return s;
}

function errorOf(text: string): string {
  try {
    parseTopology(text, 'deep.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyError);
    return (e as Error).message;
  }
  throw new Error('expected a TopologyError');
}

describe('nesting depth', () => {
  it('a 1,000-deep flow sequence is reported with its line and column', () => {
    const msg = errorOf(`name: x\ncell:\n  name: api\n  x: ${'['.repeat(1000)}${']'.repeat(1000)}\n`);
    expect(msg).toMatch(/^deep\.yaml:4:\d+ .*nested more than 200 levels deep/);
    expect(msg).not.toMatch(/call stack/);
  });

  it('a 1,000-deep block tree is reported with its line', () => {
    const msg = errorOf(nestedCells(1000));
    expect(msg).toMatch(/^deep\.yaml:\d+:\d+ .*nested more than 200 levels deep/);
  });

  it('quotes, comments and brackets inside strings do not count', () => {
    const text = `a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n# ${'['.repeat(500)}\nc: it's [1, 2]\n`;
    expect(findDeepNesting(text)).toBeUndefined();
  });

  it('a cell below max_hop_count is an error at that cell', () => {
    const msg = errorOf(nestedCells(11));
    expect(msg).toContain('is 11 levels below the API cell');
    expect(msg).toContain('max_hop_count (10)');
    expect(() => parseTopology(nestedCells(10), 'ok.yaml')).not.toThrow();
  });
});
