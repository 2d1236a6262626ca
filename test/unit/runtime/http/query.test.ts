/** Query helpers: the CLI's literal None is no value; a repeated parameter means its last value. */
import { describe, expect, it } from 'vitest';
import { normalizeQuery, queryRaw, queryValue, queryValues } from '../../../../runtime/http/index.ts';

describe('query helpers', () => {
  it('treats the literal None as absent (?binary=None&host=None)', () => {
    const q = { binary: 'None', host: 'None', zone: 'nova' };
    expect(queryValue(q, 'binary')).toBeUndefined();
    expect(queryValue(q, 'host')).toBeUndefined();
    expect(queryValue(q, 'zone')).toBe('nova');
    expect(normalizeQuery(q)).toEqual({ zone: 'nova' });
  });

  it('keeps None for callers that give it a meaning (flavors ?is_public=None)', () => {
    expect(queryRaw({ is_public: 'None' }, 'is_public')).toBe('None');
  });

  it('takes the last of repeated values, and getall drops Nones', () => {
    const q = { status: ['ACTIVE', 'ERROR'], tag: ['a', 'None', 'b'] };
    expect(queryValue(q, 'status')).toBe('ERROR');
    expect(queryValues(q, 'tag')).toEqual(['a', 'b']);
  });

  it('is safe on absent or odd queries', () => {
    expect(queryValue(undefined, 'x')).toBeUndefined();
    expect(queryValues(null, 'x')).toEqual([]);
    expect(normalizeQuery('nope')).toEqual({});
    expect(queryValue({ x: '' }, 'x')).toBe('');
  });
});
