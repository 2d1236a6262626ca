import { describe, expect, it } from 'vitest';
import { latestUpdates } from '../../../../cells/tree/latest-updates.ts';
import type { InstanceState } from '../../../../cells/messages.ts';

type Copy = { cell: string; version: number; tag: number };

/** The API cell's rule (cells/tree/api-cell.ts applyUpdates): older news from the same cell is skipped. */
function applyAll(start: Map<string, Copy>, updates: InstanceState[]): Map<string, Copy> {
  const copies = new Map(start);
  for (const u of updates) {
    const c = copies.get(u.uuid)!;
    if (u.version <= c.version && c.cell === u.cell) continue;
    copies.set(u.uuid, { cell: u.cell, version: u.version, tag: (u.record as unknown as { tag: number }).tag });
  }
  return copies;
}

const update = (uuid: string, cell: string, version: number, tag: number): InstanceState =>
  ({ uuid, cell, version, record: { tag } }) as unknown as InstanceState;

describe('latestUpdates', () => {
  it('leaves out an update the same cell superseded later in the batch, and keeps the order of the rest', () => {
    const a1 = update('a', 'c1', 1, 1);
    const b1 = update('b', 'c1', 1, 2);
    const a2 = update('a', 'c1', 2, 3);
    expect(latestUpdates([a1, b1, a2])).toEqual([b1, a2]);
    // Another cell's, or not newer: kept.
    const a2other = update('a', 'c2', 5, 4);
    expect(latestUpdates([a1, a2other])).toEqual([a1, a2other]);
    const a1again = update('a', 'c1', 1, 5);
    expect(latestUpdates([a1, a1again])).toEqual([a1, a1again]);
    expect(latestUpdates([a2, a1])).toEqual([a2, a1]);
  });

  it('gives the parent the same copies as the whole batch (random batches, moves and stale news included)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % n; // the high bits: an LCG's low bits repeat quickly
    };
    const cells = ['c1', 'c2'];
    let dropped = 0;
    for (let round = 0; round < 5000; round++) {
      const start = new Map<string, Copy>();
      for (const uuid of ['a', 'b', 'c']) start.set(uuid, { cell: cells[rnd(2)]!, version: rnd(4), tag: -1 });
      const batch: InstanceState[] = [];
      const n = 1 + rnd(8);
      for (let i = 0; i < n; i++) batch.push(update(['a', 'b', 'c'][rnd(3)]!, cells[rnd(2)]!, rnd(6), round * 100 + i));
      const kept = latestUpdates(batch);
      dropped += batch.length - kept.length;
      expect(applyAll(start, kept)).toEqual(applyAll(start, batch));
    }
    expect(dropped).toBeGreaterThan(1000);
  });
});
