/** HostArrays: write-through HostStates, slot order on removal, and the FitIndex's buckets. */
import { describe, expect, it } from 'vitest';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { HostManager } from '../../../../actors/scheduler/host-manager.ts';
import { RAM } from '../../../../actors/scheduler/host-arrays.ts';
import { freeRamMb } from '../../../../actors/scheduler/host-state.ts';

function cell(n: number): HostManager {
  const hm = new HostManager(novaConfig());
  for (let i = 0; i < n; i++) {
    hm.upsertComputeNode({ host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 8, memoryMb: 16384, localGb: 100,
      ramAllocationRatio: 1, reservedHostMemoryMb: 0 });
  }
  return hm;
}

describe('HostArrays', () => {
  it('a write to a HostState updates the arrays, the derived values and the index at once', () => {
    const hm = cell(3);
    const h = hm.get('u1')!;
    const a = hm.arrays;
    const slot = hm.hosts().indexOf(h);
    expect(a.freeRam[slot]).toBe(16384);
    expect(a.index.counts[RAM]![a.index.level(RAM, 16384)]).toBe(3);
    h.memoryMbUsed = 12288;
    expect(a.freeRam[slot]).toBe(freeRamMb(h));
    expect(a.ramFit[slot]).toBe(4096);
    expect(a.index.counts[RAM]![a.index.level(RAM, 16384)]).toBe(2);
    hm.setServiceState('h1', { up: false, disabled: false });
    expect(a.usable[slot]).toBe(0);
    expect(h.serviceUp).toBe(false);
  });

  it('removing a node keeps slot i = hosts()[i] and leaves the removed HostState readable', () => {
    const hm = cell(4);
    hm.get('u3')!.memoryMbUsed = 1000;
    const gone = hm.get('u1')!;
    gone.memoryMbUsed = 2048;
    expect(hm.removeComputeNode('u1')).toBe(true);
    expect(hm.hosts().map((h) => h.host)).toEqual(['h0', 'h2', 'h3']);
    expect(hm.arrays.size).toBe(3);
    expect(hm.arrays.freeRam[2]).toBe(16384 - 1000);
    expect(gone.memoryMbUsed).toBe(2048);
    gone.memoryMbUsed = 0;
    expect(hm.arrays.freeRam[2]).toBe(16384 - 1000);
    expect(hm.arrays.index.counts[RAM]![hm.arrays.index.level(RAM, 16384)]).toBe(2);
  });

  it('JSON of a HostState carries its numbers, not the arrays', () => {
    const h = cell(1).get('u0')!;
    const json = JSON.parse(JSON.stringify(h)) as Record<string, unknown>;
    expect(json['memoryMb']).toBe(16384);
    expect(Object.keys(json)).not.toContain('a');
  });

  it('a write of the value a slot holds changes nothing; a change stamps its slot with the new revision', () => {
    const hm = cell(3);
    const a = hm.arrays;
    const h = hm.get('u1')!;
    const before = a.revision;
    h.memoryMbUsed = h.memoryMbUsed;
    hm.setServiceState('h1', { up: true, disabled: false });
    expect(a.revision).toBe(before);
    h.memoryMbUsed = 2048;
    expect(a.revision).toBe(before + 1);
    expect(a.stamps[1]).toBe(a.revision);
    expect(a.stamps[0]).toBeLessThan(a.revision);
    expect(a.freeRam[1]).toBe(16384 - 2048);
  });
});

