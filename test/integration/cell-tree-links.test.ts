/**
 * The cell tree when links fail, and the weighers' effect on placement: a child's link to its parent's
 * broker is cut in the middle of a burst (its client dropped without a clean disconnect, so the broker
 * publishes its will); the child is muted and skipped; once the link is back, the messages queued on
 * both sides are delivered, and every build ends ACTIVE or ERROR exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import type { MqttBus } from '../../runtime/bus/index.ts';
import { CellTree, planFlavors } from '../../cells/tree/tree.ts';
import { treePlan, type TreeShape } from '../support/tree-topology.ts';
import { until } from '../support/waits.ts';

let tree: CellTree | undefined;
let dir: string | undefined;
const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-links' };
const image = { id: 'cirros', properties: {} };

async function start(shape: TreeShape) {
  dir = mkdtempSync(join(tmpdir(), 'novacell-links-'));
  const plan = treePlan(shape);
  tree = await CellTree.start({
    plan, clock: new RealClock(), rng: new SeededRng('links'), log: createLogger({}, 'silent'),
    dbFile: (c) => join(dir!, `${c.path.replace(/!/g, '.')}.sqlite`), ephemeralPorts: true,
  });
  await until('all hosts at the top', () => tree!.capacity().hostsUp === plan.hosts.length);
  return { tree, flavors: planFlavors(plan) };
}

afterEach(async () => {
  await tree?.stop();
  tree = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cell tree links', () => {
  it('mutes a child whose link is cut mid-burst, and loses or duplicates nothing when it returns', async () => {
    const { tree: t, flavors } = await start({ nova: '{rpc_response_timeout: 2}' });
    const tiny = flavors.find((f) => f.id === '1')!;
    const create = (i: number) => t.api.create({ name: `vm${i}`, flavor: tiny, image }, { ...ctx, reqId: `req-${i}` });
    const first = await Promise.all(Array.from({ length: 100 }, (_, i) => create(i)));
    // Cut c1's link to the API cell's broker while those builds are on their way.
    const link = t.cells.get('api!c1')!.parentBus as MqttBus;
    link.cutLink();
    const firstUuids = first.flatMap((m) => m.instanceUuids);
    const activeAtCut = new Set(
      (await Promise.all(firstUuids.map((u) => t.apiCell.get(u)))).filter((i) => i.vmState === 'active').map((i) => i.uuid),
    );
    await until('c1 muted', () => t.apiCell.role.children.isMuted('api!c1'));
    const during = await Promise.all(Array.from({ length: 100 }, (_, i) => create(100 + i)));
    // Builds made while c1 is muted go to c2's subtree.
    await until('builds during the cut placed in c2', async () => {
      const all = await Promise.all(during.flatMap((d) => d.instanceUuids).map((u) => t.apiCell.get(u)));
      return all.every((i) => i.vmState === 'active' && String((i as unknown as { cell: string }).cell).startsWith('api!c2'));
    });
    link.restoreLink();
    await until('c1 back', () => !t.apiCell.role.children.isMuted('api!c1'));

    const uuids = [...first, ...during].flatMap((m) => m.instanceUuids);
    await until('every build ACTIVE or ERROR', async () => {
      const all = await Promise.all(uuids.map((u) => t.apiCell.get(u)));
      return all.every((i) => i.vmState === 'active' || i.vmState === 'error');
    }, 60_000);
    // Exactly one instance per request across all leaves, and one allocation each.
    const seen = new Map<string, number>();
    let allocations = 0;
    for (const leaf of t.leaves()) {
      for (const i of leaf.leaf!.ctx.store.all()) seen.set(i.uuid, (seen.get(i.uuid) ?? 0) + 1);
      allocations += leaf.leaf!.ctx.placement.allAllocations().length;
    }
    const active = (await Promise.all(uuids.map((u) => t.apiCell.get(u)))).filter((i) => i.vmState === 'active');
    for (const u of uuids) expect(seen.get(u) ?? 0).toBeLessThanOrEqual(1);
    for (const a of active) expect(seen.get(a.uuid)).toBe(1);
    expect(allocations).toBe(active.length);
    expect(active.length).toBe(200);
    // Some builds of the first burst were in c1's subtree and only reached the top after the link was back.
    const late = (await Promise.all(firstUuids.map((u) => t.apiCell.get(u))))
      .filter((i) => !activeAtCut.has(i.uuid) && String((i as unknown as { cell: string }).cell).startsWith('api!c1'));
    expect(late.length).toBeGreaterThan(0);
  });

  it('spreads over hosts by default and stacks with a negative RAM weight multiplier', async () => {
    const stack = '{filter_scheduler: {ram_weight_multiplier: -1.0, cpu_weight_multiplier: -1.0, disk_weight_multiplier: -1.0}}';
    const { tree: t, flavors } = await start({
      children: 2, grandchildren: 1, hostsPerLeaf: 5, leafNova: (leaf) => (leaf === 'g21' ? stack : '{}'),
    });
    const tiny = flavors.find((f) => f.id === '1')!;
    const uuids: string[] = [];
    for (const target of ['api!c1!g11', 'api!c2!g21']) {
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        t.api.create({ name: `w${i}`, flavor: tiny, image, schedulerHints: { target_cell: target } }, ctx)));
      uuids.push(...made.flatMap((m) => m.instanceUuids));
    }
    await until('all ACTIVE', async () => (await Promise.all(uuids.map((u) => t.apiCell.get(u)))).every((i) => i.vmState === 'active'));
    const hostsIn = (leaf: string) => {
      const perHost = new Map<string, number>();
      for (const i of t.cells.get(leaf)!.leaf!.ctx.store.all()) perHost.set(i.host!, (perHost.get(i.host!) ?? 0) + 1);
      return [...perHost.values()].sort((a, b) => b - a);
    };
    expect(hostsIn('api!c1!g11')).toEqual([2, 2, 2, 2, 2]); // spread: equal hosts share evenly
    expect(hostsIn('api!c2!g21')).toEqual([10]); // stack: all on one host
  });
});
