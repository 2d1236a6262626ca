/** Placement: claims are atomic against capacity with allocation ratios and reserves; release frees. */
import { describe, expect, it } from 'vitest';
import { Placement, computeNodeInventories, capacityOf } from '../../../../actors/placement/index.ts';

function node() {
  return computeNodeInventories({
    vcpus: 4, memoryMb: 8704, localGb: 100, cpuAllocationRatio: 2, ramAllocationRatio: 1, diskAllocationRatio: 1,
    reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0,
  });
}

describe('Placement', () => {
  it('computes capacity as (total - reserved) × ratio', () => {
    const inv = node();
    expect(capacityOf(inv.VCPU!)).toBe(8);
    expect(capacityOf(inv.MEMORY_MB!)).toBe(8192);
  });

  it('never lets two claims take the last slot, and frees it on release', () => {
    const p = new Placement();
    p.setInventory('rp1', 'h1', node());
    const want = { VCPU: 4, MEMORY_MB: 4096, DISK_GB: 10 };
    expect(p.claim('i1', 'rp1', want, 'p', 'u', 0)).toBe(true);
    expect(p.claim('i2', 'rp1', want, 'p', 'u', 0)).toBe(true);
    expect(p.claim('i3', 'rp1', want, 'p', 'u', 0)).toBe(false);
    expect(p.provider('rp1')!.usages).toEqual({ VCPU: 8, MEMORY_MB: 8192, DISK_GB: 20 });
    expect(p.claim('i1', 'rp1', want, 'p', 'u', 0)).toBe(true); // idempotent for the same consumer
    expect(p.allAllocations()).toHaveLength(2);
    p.release('i2');
    expect(p.claim('i3', 'rp1', want, 'p', 'u', 0)).toBe(true);
    expect(p.claim('i4', 'nope', want, 'p', 'u', 0)).toBe(false);
  });

  it('a new generation only when the inventory JSON or the name changes (a periodic report of the same node is none)', () => {
    const p = new Placement();
    const rp = p.setInventory('rp1', 'h1', node());
    expect(rp.generation).toBe(0);
    p.setInventory('rp1', 'h1', node()); // equal, fresh objects
    expect(rp.generation).toBe(0);
    const bigger = node();
    bigger.VCPU = { ...bigger.VCPU!, total: 8 };
    p.setInventory('rp1', 'h1', bigger);
    expect(rp.generation).toBe(1);
    expect(capacityOf(p.provider('rp1')!.inventories.VCPU!)).toBe(16);
    // Same JSON, another shape: a member set to undefined is no member.
    const withUndefined = node() as Record<string, unknown>;
    (withUndefined.VCPU as Record<string, unknown>).total = 8;
    withUndefined.EXTRA = undefined;
    p.setInventory('rp1', 'h1', withUndefined as ReturnType<typeof node>);
    expect(rp.generation).toBe(1);
    // The same classes in another order write other JSON: a new generation, as before.
    const { VCPU, ...rest } = bigger;
    p.setInventory('rp1', 'h1', { ...rest, VCPU: VCPU! });
    expect(rp.generation).toBe(2);
    p.setInventory('rp1', 'h2', { ...rest, VCPU: VCPU! });
    expect(rp.generation).toBe(3);
  });

  it('tells listeners about every usage change', () => {
    const seen: number[] = [];
    const p = new Placement(undefined, (rp) => seen.push(rp.usages.VCPU ?? 0));
    p.setInventory('rp1', 'h1', node());
    p.claim('i1', 'rp1', { VCPU: 1, MEMORY_MB: 1, DISK_GB: 1 }, 'p', 'u', 0);
    p.release('i1');
    expect(seen).toEqual([0, 1, 0]);
  });
});
