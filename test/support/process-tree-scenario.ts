/**
 * The end-to-end scenario both process-tree tests run (embedded defaults, and one cell on an external
 * Mosquitto and PostgreSQL): servers are built and deleted through the cells; then child cell c1 is
 * killed with SIGKILL in the middle of a burst and restarted. Every request must end ACTIVE or ERROR,
 * none lost or built twice, and the capacity at the top must match the hosts again.
 */
import { expect } from 'vitest';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import type { CellStatus } from '../../cells/tree/status.ts';
import { HOSTS, type ProcessTree } from './process-tree.ts';
import { until } from './waits.ts';

const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-e2e' };
const tiny: FlavorSpec = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'cirros', properties: {} };
/** Each host: 4 vCPU × 16, (8192 − 512 reserved) MB × 1.5, 100 GB. */
const TOTAL = { vcpus: HOSTS * 64, memoryMb: HOSTS * 11520, diskGb: HOSTS * 100 };

type Copy = InstanceRecord & { cell: string | null };

async function create(t: ProcessTree, n: number, tag: string): Promise<string[]> {
  const made = await Promise.all(Array.from({ length: n }, (_, i) =>
    t.api.create({ name: `${tag}-${i}`, flavor: tiny, image }, { ...ctx, reqId: `req-${tag}-${i}` })));
  return made.flatMap((m) => m.instanceUuids);
}

async function copies(t: ProcessTree, uuids: string[]): Promise<Copy[]> {
  const all = (await t.api.list(ctx, true)) as Copy[];
  const want = new Set(uuids);
  return all.filter((c) => want.has(c.uuid));
}

function leaves(s: CellStatus): CellStatus[] {
  const out: CellStatus[] = [];
  const walk = (n: CellStatus) => {
    if (n.role === 'leaf') out.push(n);
    for (const c of n.children) if (c.status) walk(c.status);
  };
  walk(s);
  return out;
}

/** The top's rolled-up capacity equals the leaves' own figures and the hosts' totals less `active` tiny servers. */
async function capacityMatches(t: ProcessTree, active: number): Promise<CellStatus> {
  const want = { hostsUp: HOSTS, vcpusFree: TOTAL.vcpus - active, memoryMbFree: TOTAL.memoryMb - 512 * active, diskGbFree: TOTAL.diskGb - active };
  let last = '';
  try {
    return await until('capacity at the top matches the hosts', async () => {
      const s = await t.status();
      const top = s.capacity;
      const sum = leaves(s).reduce((a, l) => ({
        hostsUp: a.hostsUp + l.capacity.hostsUp, vcpusFree: a.vcpusFree + l.capacity.vcpusFree,
        memoryMbFree: a.memoryMbFree + l.capacity.memoryMbFree, diskGbFree: a.diskGbFree + l.capacity.diskGbFree,
      }), { hostsUp: 0, vcpusFree: 0, memoryMbFree: 0, diskGbFree: 0 });
      const got = { hostsUp: top.hostsUp, vcpusFree: top.vcpusFree, memoryMbFree: top.memoryMbFree, diskGbFree: top.diskGbFree };
      last = JSON.stringify({ top: got, leaves: sum, want, inFlight: s.children.map((c) => [c.cell, c.inFlight]) });
      return JSON.stringify(got) === JSON.stringify(want) && JSON.stringify(sum) === JSON.stringify(want) ? s : undefined;
    }, 30_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${last}`);
  }
}

/** Instances and allocations per uuid in each leaf's own database. */
async function leafRows(t: ProcessTree): Promise<{ live: Map<string, number>; allocations: Map<string, number> }> {
  const live = new Map<string, number>();
  const allocations = new Map<string, number>();
  for (const leaf of ['api!c1!g11', 'api!c2'] as const) {
    const db = await t.leafDb(leaf);
    try {
      for (const r of await db('instances').where({ deleted: false }).select('uuid')) live.set(r.uuid, (live.get(r.uuid) ?? 0) + 1);
      for (const r of await db('allocations').select('consumer_id')) allocations.set(r.consumer_id, (allocations.get(r.consumer_id) ?? 0) + 1);
    } finally {
      await db.destroy();
    }
  }
  return { live, allocations };
}

export async function buildDeleteAndSurviveACrash(t: ProcessTree): Promise<{ crashRecoveryMs: number }> {
  await capacityMatches(t, 0);

  // Built and deleted through the cells.
  const first = await create(t, 8, 'first');
  await until('the first servers ACTIVE', async () => (await copies(t, first)).every((c) => c.vmState === 'active'), 30_000);
  expect(new Set((await copies(t, first)).map((c) => c.cell)).size).toBeGreaterThan(1); // spread over both subtrees
  await Promise.all(first.map((u) => t.api.delete(u, ctx)));
  await until('the first servers deleted', async () => (await copies(t, first)).length === 0, 30_000);
  await capacityMatches(t, 0);

  // c1 dies with builds on their way through it, and comes back on the same data directory.
  const before = await create(t, 24, 'burst');
  const c1 = t.cells.get('api!c1')!;
  c1.kill('SIGKILL');
  const atKill = await copies(t, before);
  expect(atKill.filter((c) => c.vmState !== 'active').length, 'builds still on their way when c1 died').toBeGreaterThan(0);
  expect((await c1.exited).signal).toBe('SIGKILL');
  const killedAt = Date.now();
  const during = await create(t, 16, 'during');
  const restarted = t.startCell('api!c1');
  await restarted.waitFor(/ready/, 60_000);
  const burst = [...before, ...during];
  await until('every request ACTIVE or ERROR', async () => {
    const cs = await copies(t, burst);
    return cs.length === burst.length && cs.every((c) => c.vmState === 'active' || c.vmState === 'error');
  }, 60_000);
  const crashRecoveryMs = Date.now() - killedAt;

  const final = await copies(t, burst);
  expect(final).toHaveLength(burst.length);
  const active = final.filter((c) => c.vmState === 'active');
  const { live, allocations } = await leafRows(t);
  for (const u of burst) expect(live.get(u) ?? 0, `instance ${u} in the leaves`).toBeLessThanOrEqual(1);
  for (const c of active) {
    expect(live.get(c.uuid), `ACTIVE ${c.uuid} once in a leaf`).toBe(1);
    expect(allocations.get(c.uuid), `allocation of ${c.uuid}`).toBe(1);
  }
  expect([...allocations.values()].reduce((a, b) => a + b, 0)).toBe(active.length);
  expect(active.length).toBe(burst.length); // room for all: none should fail
  const s = await capacityMatches(t, active.length);
  expect(s.children.map((c) => [c.cell, c.link])).toEqual([['api!c1', 'up'], ['api!c2', 'up']]);
  return { crashRecoveryMs };
}
