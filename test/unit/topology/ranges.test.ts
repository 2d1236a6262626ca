/** Host range expansion: the `compute[001:200]` notation and its edge cases. */
import { describe, expect, it } from 'vitest';
import { countHostRange, expandHostNames, expandHostRange, HostRangeError, MAX_RANGE_SIZE } from '../../../topology/index.ts';

describe('expandHostRange', () => {
  it('keeps the zero padding of the bounds', () => {
    const names = expandHostRange('compute[001:200]');
    expect(names).toHaveLength(200);
    expect(names.slice(0, 2)).toEqual(['compute001', 'compute002']);
    expect(names.at(-1)).toBe('compute200');
  });

  it('does not pad unpadded bounds', () => {
    expect(expandHostRange('node[8:11]')).toEqual(['node8', 'node9', 'node10', 'node11']);
  });

  it('pads to the wider bound when either has a leading zero', () => {
    expect(expandHostRange('n[098:100]')).toEqual(['n098', 'n099', 'n100']);
    expect(expandHostRange('n[9:010]')).toEqual(['n009', 'n010']);
  });

  it('grows past the padding width rather than truncating', () => {
    expect(expandHostRange('c[99:101]', 10).slice(-1)).toEqual(['c101']);
    expect(expandHostRange('c[09:10]')).toEqual(['c09', 'c10']);
  });

  it('copies a plain name and text after the brackets', () => {
    expect(expandHostRange('controller')).toEqual(['controller']);
    expect(expandHostRange('cn[1:2].fra1.example.net')).toEqual(['cn1.fra1.example.net', 'cn2.fra1.example.net']);
  });

  it('multiplies several bracket groups, leftmost slowest', () => {
    expect(expandHostRange('rack[1:2]-node[01:02]')).toEqual(['rack1-node01', 'rack1-node02', 'rack2-node01', 'rack2-node02']);
    expect(countHostRange('rack[1:4]-node[01:16]')).toBe(64);
  });

  it('accepts a single-element range', () => {
    expect(expandHostRange('compute[007:007]')).toEqual(['compute007']);
  });

  it('rejects a range that counts down', () => {
    expect(() => expandHostRange('compute[200:001]')).toThrow(
      new HostRangeError('compute[200:001]', '"compute[200:001]" counts down (200 > 001)'),
    );
    expect(() => expandHostRange('compute[200:001]')).toThrow('expected a range like compute[001:200]; "compute[200:001]" counts down (200 > 001)');
  });

  it('rejects non-numeric and malformed bounds', () => {
    expect(() => expandHostRange('compute[a:9]')).toThrow('bound "a" in "compute[a:9]" is not a number');
    expect(() => expandHostRange('compute[-1:9]')).toThrow('bound "-1" in "compute[-1:9]" is not a number');
    expect(() => expandHostRange('compute[1:]')).toThrow('bound "" in "compute[1:]" is not a number');
    expect(() => expandHostRange('compute[1-9]')).toThrow('"[1-9]" in "compute[1-9]" is not of the form [start:end]');
    expect(() => expandHostRange('compute[1:2:3]')).toThrow('is not of the form [start:end]');
  });

  it('rejects unbalanced brackets and characters hosts cannot have', () => {
    expect(() => expandHostRange('compute[1:9')).toThrow('"[" at position 8 of "compute[1:9" is never closed');
    expect(() => expandHostRange('compute19]')).toThrow('"]" at position 10 of "compute19]" has no matching "["');
    expect(() => expandHostRange('compute 1')).toThrow('expected a host name or a range like compute[001:200]; character " " in "compute 1" is not allowed');
    expect(() => expandHostRange('')).toThrow('expected a host name; the name is empty');
  });

  it('refuses ranges over a million names, before building them', () => {
    expect(MAX_RANGE_SIZE).toBe(1_000_000);
    expect(expandHostRange('c[1:1000000]')).toHaveLength(1_000_000);
    expect(() => expandHostRange('c[0:1000000]')).toThrow('"c[0:1000000]" expands to 1,000,001 names, more than 1,000,000');
    expect(() => expandHostRange('a[1:1000]-b[1:1001]')).toThrow('expands to 1,001,000 names');
  });
});

describe('expandHostNames', () => {
  it('expands a list of names and ranges in order', () => {
    expect(expandHostNames(['gpu[1:2]', 'spare', 'cpu[01:02]'])).toEqual(['gpu1', 'gpu2', 'spare', 'cpu01', 'cpu02']);
    expect(expandHostNames('x[1:1]')).toEqual(['x1']);
  });
});
