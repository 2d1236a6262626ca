/** The extra-spec operator language, case by case as nova/scheduler/filters/extra_specs_ops.py defines it. */
import { describe, expect, it } from 'vitest';
import { match } from '../../../../actors/scheduler/extra-specs-ops.ts';

describe('extra_specs_ops.match', () => {
  it('without an operator compares the whole string', () => {
    expect(match('true', 'true')).toBe(true);
    expect(match('True', 'true')).toBe(false);
  });
  it('= means "at least" numerically', () => {
    expect(match('8', '= 4')).toBe(true);
    expect(match('2', '= 4')).toBe(false);
  });
  it('numeric ==, !=, >=, <=', () => {
    expect(match('4.0', '== 4')).toBe(true);
    expect(match('4', '!= 4')).toBe(false);
    expect(match('5', '>= 4')).toBe(true);
    expect(match('5', '<= 4')).toBe(false);
  });
  it('a non-number never matches a numeric operator', () => {
    expect(match('abc', '>= 1')).toBe(false);
    expect(match('', '!= 1')).toBe(false);
  });
  it('string operators s==, s!=, s<, s<=, s>, s>=', () => {
    expect(match('x86_64', 's== x86_64')).toBe(true);
    expect(match('x86_64', 's!= x86_64')).toBe(false);
    expect(match('abc', 's< abd')).toBe(true);
    expect(match('abc', 's<= abc')).toBe(true);
    expect(match('abd', 's> abc')).toBe(true);
    expect(match('abc', 's>= abd')).toBe(false);
  });
  it('<in> is a substring test, <all-in> needs every word', () => {
    expect(match('sse avx avx2', '<in> avx2')).toBe(true);
    expect(match('sse avx', '<in> avx2')).toBe(false);
    expect(match('sse avx avx2', '<all-in> avx sse')).toBe(true);
    expect(match('sse avx', '<all-in> avx avx2')).toBe(false);
  });
  it('<or> accepts any listed value', () => {
    expect(match('kvm', '<or> xen <or> kvm')).toBe(true);
    expect(match('qemu', '<or> xen <or> kvm')).toBe(false);
  });
  it('a missing value matches no operator', () => {
    expect(match(undefined, '>= 1')).toBe(false);
    expect(match(null, '<or> a')).toBe(false);
  });
});
