/** `novacell db purge --before`: ages and dates, and a clear usage error otherwise. */
import { describe, expect, it } from 'vitest';
import { parseBefore } from '../../../cli/db-purge.ts';
import { UsageError } from '../../../cli/usage-error.ts';

const NOW = Date.UTC(2026, 11, 4);

describe('parseBefore', () => {
  it.each([['30d', 30 * 86_400_000], ['12h', 12 * 3_600_000], ['90m', 90 * 60_000], ['3600', 3_600_000], ['0', 0]])('%s is now minus the age', (text, ms) => {
    expect(parseBefore(text, NOW)).toBe(NOW - ms);
  });
  it('takes a date', () => expect(parseBefore('2026-11-01', NOW)).toBe(Date.UTC(2026, 10, 1)));
  it('refuses anything else', () => expect(() => parseBefore('last week', NOW)).toThrow(UsageError));
});
