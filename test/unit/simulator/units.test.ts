/** Durations and rates as scenario files write them. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseRate } from '../../../simulator/units.ts';

describe('durations', () => {
  it('reads units, compounds and bare seconds', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1h 30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('0.5h')).toBe(1_800_000);
    expect(parseDuration(12)).toBe(12_000);
    expect(parseDuration('12')).toBe(12_000);
  });

  it('rejects what it cannot read', () => {
    for (const bad of ['', 'h', '1x', '1h30', '-5s', 'soon', -1, Number.NaN]) expect(parseDuration(bad)).toBeUndefined();
  });

  it('prints durations back', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(90_500)).toBe('1m30.5s');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('rates', () => {
  it('reads events per unit of time as events per ms', () => {
    expect(parseRate('10/min')).toBeCloseTo(10 / 60_000);
    expect(parseRate('5/s')).toBeCloseTo(5 / 1000);
    expect(parseRate('1200/h')).toBeCloseTo(1200 / 3_600_000);
    expect(parseRate(2)).toBeCloseTo(2 / 1000);
    expect(parseRate('ten/min')).toBeUndefined();
    expect(parseRate('10/fortnight')).toBeUndefined();
  });
});
