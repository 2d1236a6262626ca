/**
 * Aggregates go down the cell tree cut to each subtree's hosts: a leaf's conductor holds only its own
 * hosts' memberships (with 10^5 hosts, the whole list in each of 1,000 cells would be gigabytes), and
 * scheduling sees the same aggregates per host as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../runtime/clock/index.ts';
import { SeededRng } from '../../../runtime/rng/index.ts';
import { createLogger } from '../../../runtime/log/index.ts';
import { CellTree } from '../../../cells/tree/tree.ts';
import { subtreeHosts } from '../../../cells/tree/start-cell.ts';
import { runClockUntil } from '../../../simulator/quiesce.ts';
import { treePlan } from '../../support/tree-topology.ts';

let tree: CellTree | undefined;
afterEach(async () => {
  await tree?.stop();
  tree = undefined;
});

describe('aggregates in the cell tree', () => {
  it('indexes every host under each cell of its path', () => {
    const plan = treePlan({ children: 2, grandchildren: 2, hostsPerLeaf: 3 });
    const index = subtreeHosts(plan);
    const leaf = plan.cells.find((c) => c.isLeaf)!;
    expect(index.get(leaf.path)).toEqual(plan.hosts.filter((h) => h.cell === leaf.path).map((h) => h.name));
    expect(index.get(leaf.parentPath!)).toHaveLength(6);
    expect(index.get(plan.cells[0]!.path)).toHaveLength(plan.hosts.length);
    expect(subtreeHosts(plan)).toBe(index);
  });

  it('sends each leaf only its own hosts, and every host keeps its aggregate', async () => {
    const plan = treePlan({ children: 2, grandchildren: 2, hostsPerLeaf: 3 });
    const clock = new VirtualClock();
    tree = await CellTree.start({ plan, clock, rng: new SeededRng('agg'), log: createLogger({}, 'silent'), transport: { kind: 'memory' }, dbFile: () => ':memory:' });
    const all = plan.hosts.map((h) => h.name);
    await tree.apiCell.syncAggregates([{ id: 1, name: 'everything', availabilityZone: 'zone-a', metadata: { availability_zone: 'zone-a' }, hosts: all }]);
    await runClockUntil(clock, clock.now() + 1000);
    for (const leaf of tree.leaves()) {
      const own = plan.hosts.filter((h) => h.cell === leaf.plan.path).map((h) => h.name);
      const held = (leaf.leaf!.ctx as unknown as { hostManager: { hosts(): { host: string; aggregates: { name: string }[] }[] } }).hostManager.hosts();
      expect(held.map((h) => h.host).sort()).toEqual(own.sort());
      for (const h of held) expect(h.aggregates.map((a) => a.name)).toEqual(['everything']);
      // What the conductor keeps for hosts that register later: its own hosts only.
      const kept = (leaf.leaf as unknown as { manager: { aggregates: { hosts: string[] }[] } }).manager.aggregates;
      expect(kept[0]!.hosts.sort()).toEqual(own.sort());
    }
  });
});
