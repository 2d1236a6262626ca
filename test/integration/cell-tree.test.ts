/**
 * The cell tree over real MQTT in one process: API cell, 2 child cells, 2 grandchild leaf cells under
 * each, 10 fake hosts per leaf — every cell with its own aedes broker on a TCP port and its own SQLite
 * file. Capacity at the top equals the sum over the hosts; a burst of 1,000 builds all reach ACTIVE
 * within allocation ratios; full leaves hand builds back to siblings and cousins; nothing anywhere
 * means ERROR with a fault.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { CellTree, planFlavors } from '../../cells/tree/tree.ts';
import { hostFree, unitsOn } from '../../cells/capacity/capacity.ts';
import { capacityOf } from '../../actors/placement/index.ts';
import type { CellBuildBody } from '../../cells/messages.ts';
import { treePlan, type TreeShape } from '../support/tree-topology.ts';
import { until } from '../support/waits.ts';

let tree: CellTree | undefined;
let dir: string | undefined;
const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-tree' };
const image = { id: 'cirros', properties: {} };

async function start(shape: TreeShape = {}) {
  dir = mkdtempSync(join(tmpdir(), 'novacell-tree-'));
  const plan = treePlan(shape);
  tree = await CellTree.start({
    plan, clock: new RealClock(), rng: new SeededRng('tree'), log: createLogger({}, 'silent'),
    dbFile: (c) => join(dir!, `${c.path.replace(/!/g, '.')}.sqlite`), ephemeralPorts: true,
  });
  const hosts = plan.hosts.length;
  await until('capacity of every host at the top', () => tree!.capacity().hostsUp === hosts);
  return { tree, plan, flavors: planFlavors(plan) };
}

afterEach(async () => {
  await tree?.stop();
  tree = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The capacity recomputed independently from every leaf's host states. */
function expectedCapacity(t: CellTree, flavorIds: string[], flavors: ReturnType<typeof planFlavors>) {
  let memoryMbFree = 0;
  let vcpusFree = 0;
  const units: Record<string, number> = {};
  for (const leaf of t.leaves()) {
    for (const h of leaf.leaf!.ctx.hostManager.hosts()) {
      const f = hostFree(h);
      memoryMbFree += f.memoryMb;
      vcpusFree += f.vcpus;
      for (const id of flavorIds) units[id] = (units[id] ?? 0) + unitsOn(f, flavors.find((x) => x.id === id)!);
    }
  }
  return { memoryMbFree, vcpusFree, units };
}

async function settleCapacity(t: CellTree, flavors: ReturnType<typeof planFlavors>) {
  const ids = flavors.map((f) => f.id);
  return until('top capacity matches the hosts', () => {
    const want = expectedCapacity(t, ids, flavors);
    const got = t.capacity();
    return got.memoryMbFree === want.memoryMbFree && got.vcpusFree === want.vcpusFree && JSON.stringify(got.units) === JSON.stringify(want.units)
      ? got
      : undefined;
  });
}

async function states(t: CellTree) {
  return (await t.api.list(ctx, true)).map((i) => i.vmState);
}

describe('cell tree over real MQTT', () => {
  it('rolls capacity up, builds 1,000 servers in a burst within ratios, and deletes them', async () => {
    const { tree: t, flavors } = await start();
    const before = await settleCapacity(t, flavors);
    expect(before.hosts).toBe(40);
    expect(before.units['1']).toBeGreaterThan(1000);

    const small = flavors.find((f) => f.id === '1')!;
    const made = await Promise.all(Array.from({ length: 1000 }, (_, i) => t.api.create({ name: `vm${i}`, flavor: small, image }, { ...ctx, reqId: `req-${i}` })));
    const uuids = made.flatMap((m) => m.instanceUuids);
    await until('1,000 ACTIVE', async () => (await states(t)).filter((s) => s === 'active').length === 1000, 120_000);

    // Every leaf got some (the cell weighers spread by free RAM), every host within its ratios.
    const perLeaf = t.leaves().map((l) => l.leaf!.ctx.placement.allAllocations().length);
    expect(perLeaf.reduce((a, b) => a + b, 0)).toBe(1000);
    for (const n of perLeaf) expect(n).toBeGreaterThan(0);
    for (const l of t.leaves()) {
      const p = l.leaf!.ctx.placement;
      for (const rp of p.listProviders()) for (const [rc, used] of Object.entries(rp.usages)) expect(used).toBeLessThanOrEqual(capacityOf(rp.inventories[rc]!));
    }
    const after = await settleCapacity(t, flavors);
    expect(after.memoryMbFree).toBe(before.memoryMbFree - 1000 * 512);

    await Promise.all(uuids.map((u) => t.api.delete(u, ctx)));
    await until('all deleted', async () => (await t.api.list(ctx, true)).length === 0, 120_000);
    const end = await settleCapacity(t, flavors);
    expect(end.memoryMbFree).toBe(before.memoryMbFree);
  });

  it('with [cells] update_batch_interval, a burst still lands within ratios and capacity at the top stays exact', async () => {
    // Every cell gathers instance updates and capacity deltas for 0.2 s before sending them up.
    const { tree: t, flavors } = await start({ nova: '{cells.update_batch_interval: 0.2}' });
    const before = await settleCapacity(t, flavors);
    const small = flavors.find((f) => f.id === '1')!;
    const made = await Promise.all(Array.from({ length: 400 }, (_, i) => t.api.create({ name: `b${i}`, flavor: small, image }, { ...ctx, reqId: `req-b${i}` })));
    await until('400 ACTIVE', async () => (await states(t)).filter((s) => s === 'active').length === 400, 120_000);
    expect(t.leaves().map((l) => l.leaf!.ctx.placement.allAllocations().length).reduce((a, b) => a + b, 0)).toBe(400);
    const after = await settleCapacity(t, flavors);
    expect(after.memoryMbFree).toBe(before.memoryMbFree - 400 * 512);
    await Promise.all(made.flatMap((m) => m.instanceUuids).map((u) => t.api.delete(u, ctx)));
    await until('all deleted', async () => (await t.api.list(ctx, true)).length === 0, 120_000);
    expect((await settleCapacity(t, flavors)).memoryMbFree).toBe(before.memoryMbFree);
  });

  it('answers a request after the instance updates it caused, even while they are gathered for an interval', async () => {
    // 3 s intervals: an update made soon after another waits up to 3 s per level, unless an answer is due.
    const { tree: t, flavors } = await start({ nova: '{cells.update_batch_interval: 3}' });
    const small = flavors.find((f) => f.id === '1')!;
    const uuids = await Promise.all(['a', 'b'].map(async (n) => (await t.api.create({ name: n, flavor: small, image }, ctx)).instanceUuids[0]!));
    await until('both ACTIVE', async () => (await states(t)).filter((s) => s === 'active').length === 2, 30_000);
    for (const u of uuids) {
      // The second stop's update follows the first's within the interval: only the answer sends it now.
      await t.api.powerAction(u, 'stop', ctx);
      const shown = await t.api.get(u, ctx);
      expect(shown.taskState === 'powering-off' || shown.vmState === 'stopped', `${u}: ${shown.vmState}/${shown.taskState}`).toBe(true);
    }
  });

  it('sends builds to siblings and cousins when a leaf is full, and ERROR only when nothing fits anywhere', async () => {
    // Small hosts: one m1.large (4 vCPU, 8 GiB) per host at ratio 1.0, 2 hosts per leaf → 8 fit in all.
    const { tree: t, flavors } = await start({
      hostsPerLeaf: 2, host: { vcpus: 4, memory_mb: 8704, disk_gb: 100 }, nova: '{cpu_allocation_ratio: 1.0, ram_allocation_ratio: 1.0}',
    });
    await settleCapacity(t, flavors);
    const large = flavors.find((f) => f.id === '4')!;
    const uuids: string[] = [];
    for (let i = 0; i < 8; i++) {
      // One at a time, so each request sees the capacity the previous one left.
      const { instanceUuids } = await t.api.create({ name: `big${i}`, flavor: large, image }, ctx);
      uuids.push(...instanceUuids);
      await until(`big${i} ACTIVE`, async () => (await t.api.get(instanceUuids[0]!, ctx)).vmState === 'active');
    }
    const hosts = new Set(await Promise.all(uuids.map(async (u) => (await t.api.get(u, ctx)).host)));
    expect(hosts.size).toBe(8);
    const { instanceUuids: [last] } = await t.api.create({ name: 'one-too-many', flavor: large, image }, ctx);
    const inst = await until('ERROR', async () => {
      const i = await t.api.get(last!, ctx);
      return i.vmState === 'error' ? i : undefined;
    });
    expect(inst.fault?.message).toMatch(/No valid host/);
  });

  it('hands a build back from a leaf whose capacity report was stale, and a sibling builds it', async () => {
    const { tree: t, flavors } = await start({ hostsPerLeaf: 1, host: { vcpus: 4, memory_mb: 8704, disk_gb: 100 }, nova: '{cpu_allocation_ratio: 1.0, ram_allocation_ratio: 1.0}' });
    await settleCapacity(t, flavors);
    // Fill g11's only host behind its parent's back: placement takes it, but no capacity report goes up,
    // so c1 still believes g11 has room for an m1.large (and g11 ranks first on the tie).
    const g11 = t.cells.get('api!c1!g11')!.leaf!.ctx;
    const rp = g11.placement.listProviders()[0]!;
    expect(g11.placement.claim('someone-else', rp.uuid, { VCPU: 4, MEMORY_MB: 8192, DISK_GB: 80 }, 'x', 'x', 0)).toBe(true);
    const large = flavors.find((f) => f.id === '4')!;
    const { instanceUuids: [uuid] } = await t.api.create({ name: 'stale', flavor: large, image }, ctx);
    const inst = await until('ACTIVE', async () => {
      const i = await t.api.get(uuid!, ctx);
      return i.vmState === 'active' ? i : undefined;
    });
    expect((inst as unknown as { cell: string }).cell).toBe('api!c1!g12');
    expect(t.cells.get('api!c1')!.role!.handbacks).toBe(1);
    // Nothing of it stays in the cell that handed it back, and the create action keeps the API's request id.
    expect(g11.store.get(uuid!)).toBeUndefined();
    expect((await t.api.actions(uuid!, ctx))[0]!.requestId).toBe(ctx.reqId);
  });

  it('counts a re-sent build its leaf had already placed as landed at every level at once, not a report interval later', async () => {
    const { tree: t, flavors } = await start({ hostsPerLeaf: 1 });
    const api = t.apiCell.role;
    let sent: CellBuildBody | undefined;
    const dispatch = api.dispatch.bind(api);
    api.dispatch = (b) => ((sent ??= structuredClone(b)), dispatch(b));
    const small = flavors.find((f) => f.id === '1')!;
    const { instanceUuids: [uuid] } = await t.api.create({ name: 'once', flavor: small, image }, ctx);
    await until('ACTIVE', async () => (await t.api.get(uuid!, ctx)).vmState === 'active');
    const settled = await settleCapacity(t, flavors);
    const child = api.dispatcher.routeOf(uuid!)!;
    const mid = t.cells.get(child)!.role!;
    const leafPath = mid.dispatcher.routeOf(uuid!)!;
    const inFlight = () => api.children.linkState(child)!.inFlight + mid.children.linkState(leafPath)!.inFlight;
    expect(inFlight()).toBe(0);

    // The API cell sends the build again (the answer to its call was lost with a restarted child): it
    // follows its route, the leaf recognises it, and says so with an empty capacity delta that each
    // middle cell passes on. Without that, each level would count it in flight until its child's next
    // full report (capacity_report_interval, 30 s) and the top would show it twice meanwhile.
    expect(await api.dispatch(sent!)).toMatchObject({ accepted: true, child });
    await until('nothing in flight at any level', () => inFlight() === 0, 5_000);
    expect(t.capacity()).toMatchObject({ memoryMbFree: settled.memoryMbFree, vcpusFree: settled.vcpusFree, units: settled.units });
    expect(t.cells.get(leafPath)!.leaf!.ctx.placement.allAllocations()).toHaveLength(1);
  });

  it.each([0, 0.05])('sends a new build up once per level when it lands, and every level stops counting it in flight then (update_batch_interval %s)', async (interval) => {
    // Hosts that an m1.large fills exactly: when it lands, its leaf's report takes off just what its
    // middle cell counted in flight, so the middle cell's total does not move from what it last
    // reported. Spawning takes long enough that ACTIVE (the next update) cannot confirm the landing.
    // With an interval, the middle cell's delta for sending the build down and its update of the
    // landing can fall in one batch: the delta must still leave after the update.
    const { tree: t, flavors } = await start({
      hostsPerLeaf: 1, host: { vcpus: 4, memory_mb: 8704, disk_gb: 100 },
      nova: `{cpu_allocation_ratio: 1.0, ram_allocation_ratio: 1.0, cells.update_batch_interval: ${interval}}`, spawnTimeMs: 10_000,
    });
    await settleCapacity(t, flavors);
    const api = t.apiCell.role!;
    // What each middle cell hears from its leaves, by instance: the versions of each update.
    const heard = new Map<string, number[]>();
    for (const c of api.children.paths()) {
      const cell = t.cells.get(c)!;
      const node = cell.node!;
      const forward = node.forwardUpdates.bind(node);
      node.forwardUpdates = (updates) => {
        for (const u of updates) heard.set(u.uuid, [...(heard.get(u.uuid) ?? []), u.version]);
        forward(updates);
      };
      // As in a busy tree, the middle cell reports between sending the build down and hearing it
      // landed (here: at once), so its parent already sees the build's resources gone from it.
      const children = cell.role!.children;
      const consume = children.consume.bind(children);
      children.consume = (...a) => (consume(...a), node.capacityChanged());
    }
    const large = flavors.find((f) => f.id === '4')!;
    const { instanceUuids: [uuid] } = await t.api.create({ name: 'fresh', flavor: large, image }, ctx);
    await until('placed, seen at the top', async () => (await t.api.get(uuid!, ctx)).host !== null);
    const child = api.dispatcher.routeOf(uuid!)!;
    const mid = t.cells.get(child)!.role!;
    const leafPath = mid.dispatcher.routeOf(uuid!)!;
    // Each level drops the build from in flight with the delta that follows its update, not at its
    // child's next full report (capacity_report_interval, 30 s): the middle cell's total did not move,
    // yet it sends a delta after the update for its parent to confirm with.
    await until('nothing in flight at any level', () => api.children.linkState(child)!.inFlight + mid.children.linkState(leafPath)!.inFlight === 0, 5_000);
    expect((await t.api.get(uuid!, ctx)).vmState).toBe('building');
    // The placed state went up once (the leaf once sent it a second time after every build).
    expect(heard.get(uuid!)).toHaveLength(1);
  });

  it('places an anti-affinity group on distinct hosts across leaf cells', async () => {
    const { tree: t, flavors } = await start({ hostsPerLeaf: 2 });
    await settleCapacity(t, flavors);
    const small = flavors.find((f) => f.id === '1')!;
    const group = { uuid: 'group-1', policy: 'anti-affinity' as const, hosts: [] as string[], members: [] as string[] };
    const uuids: string[] = [];
    for (let i = 0; i < 8; i++) {
      // Members are created concurrently in pairs; each request carries the group as the API knows it.
      const pair = await Promise.all([0, 1].map(() => t.api.create({ name: `aa${i}`, flavor: small, image, instanceGroup: { ...group, members: [...uuids] } }, ctx)));
      for (const p of pair) uuids.push(...p.instanceUuids);
      i++;
      await until('pair placed', async () => (await Promise.all(uuids.map((u) => t.api.get(u, ctx)))).every((x) => x.host !== null));
    }
    const placed = await Promise.all(uuids.map((u) => t.api.get(u, ctx)));
    expect(new Set(placed.map((p) => p.host)).size).toBe(uuids.length);
    expect(new Set(placed.map((p) => (p as unknown as { cell: string }).cell)).size).toBeGreaterThan(1);
  });

  it('gives clear errors for an unknown cell path and the hop limit, never a hang', async () => {
    const { tree: t } = await start({ hostsPerLeaf: 1 });
    await expect(t.apiCell.role.route({ target: 'api!nowhere', hops: 0, type: 'list_services', body: {} })).rejects.toThrow(/Unknown cell api!nowhere/);
    await expect(t.apiCell.role.route({ target: 'api!c1!g11', hops: 10, type: 'list_services', body: {} })).rejects.toThrow(/Hop count exceeded/);
    const services = (await t.apiCell.role.route({ target: 'api!c1!g11', hops: 0, type: 'list_services', body: {} })) as Array<{ binary: string }>;
    expect(services.map((s) => s.binary)).toContain('nova-compute');
    // A malformed inter-cell message is rejected with an error, not left unanswered.
    const raw = t.cells.get('api')!.buses[0]!;
    await expect(raw.call('nc/api/down/api!c1', { type: 'cell_build', body: { instances: 'nope' } }, { timeoutMs: 5000 })).rejects.toThrow(/invalid cell_build/);
  });
});
