/**
 * Kills in a tree of real processes (issue 10's restart items): the API cell, middle cell c1 and its
 * two leaves, g11 (hosts h1 and h2 as `novacell compute run` agents, preferred by c1's weight offset)
 * and g12 (hosts m1 and m2 in its own process).
 *
 * - The leaf g11 is SIGKILLed with servers on its hosts and restarted: once its hosts are back, the
 *   capacity at the top equals the sum over the hosts within one full-report interval (it used to
 *   leave the restarted leaf's servers uncounted until something changed on those hosts).
 * - c1 is SIGKILLed right after it accepted a hand-back from g11 (the `in` row is in its database and
 *   its call passing the build on to g12 is unanswered, g12 being stopped), then restarted: the build
 *   ends ACTIVE exactly once — one copy at the top, one instance and one allocation in one leaf, no
 *   hand-back left anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import type { CellStatus } from '../../cells/tree/status.ts';
import { openDb, type Db } from '../../runtime/db/index.ts';
import { freePorts, ProcessTree } from '../support/process-tree.ts';
import { until } from '../support/waits.ts';

const CELLS = ['api', 'api!c1', 'api!c1!g11', 'api!c1!g12'] as const;
const FULL_REPORT_S = 5;
const HOSTS = 4;
/** Each host: 4 vCPU × 16, (8192 − 512 reserved) MB × 1.5, 100 GB. */
const TOTAL = { vcpus: HOSTS * 64, memoryMb: HOSTS * 11520, diskGb: HOSTS * 100 };
const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-faults' };
const tiny: FlavorSpec = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'cirros', properties: {} };

function topology(dir: string, ports: number[]): string {
  const host = 'vcpus: 4, memory_mb: 8192, disk_gb: 100, driver_options: {spawn_time_ms: 300}';
  return `version: 1
name: e2e-faults
data_dir: ${join(dir, 'data')}
api: {listen: "127.0.0.1:0"}
cell:
  name: api
  broker: {port: ${ports[0]}}
  nova: {DEFAULT: {rpc_response_timeout: 4, report_interval: 2}, cells: {capacity_report_interval: ${FULL_REPORT_S}, offset_weight_multiplier: 100},
    filter_scheduler: {enabled_filters: [ComputeFilter, AvailabilityZoneFilter, ComputeCapabilitiesFilter, ImagePropertiesFilter, AggregateInstanceExtraSpecsFilter]}}
  children:
    - name: c1
      broker: {port: ${ports[1]}}
      children:
        - name: g11
          broker: {port: ${ports[2]}}
          weight_offset: 1
          hosts:
            - {names: "h[1:2]", ${host}}
        - name: g12
          broker: {port: ${ports[3]}}
          hosts:
            - {names: "m[1:2]", ${host}, aggregates: [ssd]}
aggregates:
  ssd: {metadata: {ssd: true}}
flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
images:
  - {name: cirros, disk_format: qcow2, container_format: bare, visibility: public, min_disk: 1}
projects: [{name: admin}, {name: demo}]
users:
  - {name: admin, password: e2e-admin-pw, project: admin, roles: [admin]}
  - {name: demo, password: e2e-demo-pw, project: demo, roles: [member]}
`;
}

type Copy = InstanceRecord & { cell: string | null };

let tree: ProcessTree | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await tree?.stop();
  if (!process.env.NOVACELL_KEEP_E2E) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function copies(t: ProcessTree, uuids: string[]): Promise<Copy[]> {
  const want = new Set(uuids);
  return ((await t.api.list(ctx, true)) as Copy[]).filter((c) => want.has(c.uuid));
}

function leafStatus(s: CellStatus, path: string): CellStatus | undefined {
  if (s.cell === path) return s;
  for (const c of s.children) {
    const found = c.status && leafStatus(c.status, path);
    if (found) return found;
  }
  return undefined;
}

/** The top's rolled-up capacity, and the leaves' own, against the hosts' totals less `active` tiny servers. */
function capacityReport(s: CellStatus, active: number): { ok: boolean; text: string } {
  const want = { hostsUp: HOSTS, vcpusFree: TOTAL.vcpus - active, memoryMbFree: TOTAL.memoryMb - 512 * active, diskGbFree: TOTAL.diskGb - active };
  const pick = (c: CellStatus['capacity']) => ({ hostsUp: c.hostsUp, vcpusFree: c.vcpusFree, memoryMbFree: c.memoryMbFree, diskGbFree: c.diskGbFree });
  const leaves = ['api!c1!g11', 'api!c1!g12'].map((p) => pick(leafStatus(s, p)?.capacity ?? { hostsUp: 0, vcpusFree: 0, memoryMbFree: 0, diskGbFree: 0 } as CellStatus['capacity']));
  const sum = leaves.reduce((a, l) => ({
    hostsUp: a.hostsUp + l.hostsUp, vcpusFree: a.vcpusFree + l.vcpusFree, memoryMbFree: a.memoryMbFree + l.memoryMbFree, diskGbFree: a.diskGbFree + l.diskGbFree,
  }));
  const top = pick(s.capacity);
  const ok = JSON.stringify(top) === JSON.stringify(want) && JSON.stringify(sum) === JSON.stringify(want);
  return { ok, text: JSON.stringify({ top, leaves, want }) };
}

async function capacityMatches(t: ProcessTree, active: number, timeoutMs: number, what: string): Promise<void> {
  let last = '';
  try {
    await until(what, async () => {
      const r = capacityReport(await t.status(), active);
      last = r.text;
      return r.ok;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${last}`);
  }
}

async function withDb<T>(file: string, f: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb({ file });
  try {
    return await f(db);
  } finally {
    await db.destroy();
  }
}

describe('cells killed in a tree of processes', () => {
  it('a leaf SIGKILLed and restarted: capacity at the top is the sum over the hosts within one full report', { timeout: 150_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-e2e-faults-'));
    dirs.push(dir);
    const ports = await freePorts(4);
    tree = new ProcessTree(dir, ports, undefined, { topology: topology(dir, ports), cells: CELLS });
    const t = tree;
    await t.start();
    await capacityMatches(t, 0, 30_000, 'every host counted at the top');

    const made = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      t.api.create({ name: `kept-${i}`, flavor: tiny, image }, { ...ctx, reqId: `req-kept-${i}` })));
    const uuids = made.flatMap((m) => m.instanceUuids);
    await until('the servers ACTIVE', async () => (await copies(t, uuids)).filter((c) => c.vmState === 'active').length === 6, 30_000);
    const placed = await copies(t, uuids);
    expect(placed.map((c) => c.cell)).toEqual(Array(6).fill('api!c1!g11'));
    expect(new Set(placed.map((c) => c.host))).toEqual(new Set(['h1', 'h2']));
    await capacityMatches(t, 6, 30_000, 'the servers counted at the top');

    const g11 = t.cells.get('api!c1!g11')!;
    g11.kill('SIGKILL');
    expect((await g11.exited).signal).toBe('SIGKILL');
    const restarted = t.startCell('api!c1!g11');
    await restarted.waitFor(/ready/, 60_000);
    // Its agents outlived it: once they are back on its new broker, one full-report interval is enough.
    await until("g11's hosts up again", async () => leafStatus(await t.status(), 'api!c1!g11')?.capacity.hostsUp === 2, 30_000);
    const back = Date.now();
    await capacityMatches(t, 6, FULL_REPORT_S * 1000, `capacity at the top within ${FULL_REPORT_S} s of g11's hosts being back`);
    process.stderr.write(`[e2e] faults: g11 SIGKILLed and restarted; capacity at the top right ${Date.now() - back} ms after its hosts were back\n`);
  });

  it('a middle cell SIGKILLed right after accepting a hand-back: the build ends ACTIVE exactly once', { timeout: 90_000 }, async () => {
    const t = tree!;
    const data = join(t.dir, 'data');
    const g12 = t.cells.get('api!c1!g12')!;
    // g12 hears nothing for now: c1's call passing the handed-back build on stays unanswered.
    g12.kill('SIGSTOP');
    // Only g12's hosts are in the ssd aggregate, which cells above the leaves do not see: c1 prefers g11,
    // whose scheduler finds no host for the flavor and hands the build back.
    const ssd: FlavorSpec = { ...tiny, extraSpecs: { 'aggregate_instance_extra_specs:ssd': 'true' } };
    const [uuid] = (await t.api.create({ name: 'handed-back', flavor: ssd, image }, { ...ctx, reqId: 'req-handed-back' })).instanceUuids as [string];
    const c1File = join(data, 'api.c1.sqlite');
    await until('c1 took the hand-back and is passing it on to g12', () => withDb(c1File, async (db) =>
      (await db('cell_handbacks').where({ key: `in:${uuid}` })).length === 1
      && (await db('build_routes').where({ instance_uuid: uuid }).first())?.child === 'api!c1!g12'), 10_000);
    const c1 = t.cells.get('api!c1')!;
    c1.kill('SIGKILL');
    expect((await c1.exited).signal).toBe('SIGKILL');
    expect(await withDb(c1File, (db) => db('cell_handbacks').select('key', 'direction'))).toEqual([{ key: `in:${uuid}`, direction: 'in' }]);
    g12.kill('SIGCONT');

    const restarted = t.startCell('api!c1');
    await restarted.waitFor(/ready/, 60_000);
    await until('the build ACTIVE or ERROR', async () => {
      const [c] = await copies(t, [uuid]);
      return c && (c.vmState === 'active' || c.vmState === 'error');
    }, 60_000);
    // Nothing of it is still on its way anywhere: the hand-backs are gone from every database.
    for (const cell of CELLS) {
      const file = join(data, cell === 'api' ? 'api.cells.sqlite' : `${cell.replace(/!/g, '.')}.sqlite`);
      await until(`no hand-back left in ${cell}`, () => withDb(file, async (db) => (await db('cell_handbacks').count({ n: '*' }))[0]!.n === 0), 15_000);
    }

    const all = await copies(t, [uuid]);
    expect(all.map((c) => [c.vmState, c.cell])).toEqual([['active', 'api!c1!g12']]);
    const host = all[0]!.host;
    expect(['m1', 'm2']).toContain(host);
    const rows = async (cell: string, table: string, column: string) =>
      withDb(join(data, `${cell.replace(/!/g, '.')}.sqlite`), (db) => db(table).where({ [column]: uuid }).select());
    expect(await rows('api!c1!g11', 'instances', 'uuid')).toEqual([]);
    expect(await rows('api!c1!g11', 'allocations', 'consumer_id')).toEqual([]);
    expect((await rows('api!c1!g12', 'instances', 'uuid')).map((r) => [r.host, !!r.deleted])).toEqual([[host, false]]);
    expect(await rows('api!c1!g12', 'allocations', 'consumer_id')).toHaveLength(1);
    expect((await rows('api!c1!g12', 'instance_actions', 'instance_uuid')).map((a) => a.action)).toEqual(['create']);
    expect((await rows('api!c1', 'build_routes', 'instance_uuid')).map((r) => r.child)).toEqual(['api!c1!g12']);
    await withDb(join(data, 'api.cells.sqlite'), async (db) => {
      expect(await db('build_routes').where({ instance_uuid: uuid }).select('child')).toEqual([{ child: 'api!c1' }]);
      expect(await db.schema.hasTable('instance_mappings')).toBe(false);
    });
    // The one instance_mappings table is the API database's.
    expect((await rows('api', 'instance_mappings', 'instance_uuid')).map((r) => r.cell)).toEqual(['api!c1!g12']);
  });
});
