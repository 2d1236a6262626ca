/**
 * `novacell up` (quickstart: 20 fake hosts under a leaf cell and a middle cell) with 50 servers, 10 of
 * them stopped, stopped with SIGTERM and restarted on the same data directory, then killed with
 * SIGKILL and restarted again. After each restart, over real HTTP: every server is still there with
 * its status and power state, on the same host; the hypervisors API shows running_vms and vCPU usage
 * (placement's allocations) matching the servers; the capacity rolled up to the API cell
 * (`novacell status`) counts every server; each leaf database holds exactly one allocation per
 * server; the fake hypervisors' state files are 0600; stop, start, reboot and the console log work
 * on the servers that came back.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../runtime/db/index.ts';
import type { CellStatus } from '../../cells/tree/status.ts';
import { NovacellProcess, runNovacell } from '../support/novacell-process.ts';
import { NovaClient, QUICKSTART } from '../support/up-process.ts';
import { until } from '../support/waits.ts';

const N = 50;
const STOPPED = 10;
const dir = mkdtempSync(join(tmpdir(), 'novacell-restart-'));
const data = join(dir, 'data');
let proc: NovacellProcess | undefined;

afterAll(async () => {
  await proc?.stop();
  if (!process.env.NOVACELL_KEEP_E2E) rmSync(dir, { recursive: true, force: true });
});

async function up(): Promise<NovaClient> {
  proc = new NovacellProcess('up', ['up', QUICKSTART, '--data-dir', data, '--api-listen', '127.0.0.1:0', '--broker-base-port', '0'], join(dir, 'up.log'));
  await proc.waitFor(/novacell is up/, 180_000);
  const url = /API (http:\/\/\S+)/.exec(proc.stdout())![1]!;
  return NovaClient.login(url, 'admin', 'secretadmin', 'admin');
}

interface Server { id: string; status: string; 'OS-EXT-STS:power_state': number; 'OS-EXT-SRV-ATTR:host': string | null; 'OS-EXT-STS:task_state': string | null }
type View = Map<string, { status: string; power: number; host: string | null; task: string | null }>;

async function servers(nova: NovaClient): Promise<View> {
  const r = await nova.request<{ servers: Server[] }>('GET', '/compute/v2.1/servers/detail?all_tenants=1&limit=1000');
  expect(r.status).toBe(200);
  return new Map(r.body.servers.map((s) => [s.id, {
    status: s.status, power: s['OS-EXT-STS:power_state'], host: s['OS-EXT-SRV-ATTR:host'], task: s['OS-EXT-STS:task_state'],
  }]));
}

async function hypervisorTotals(nova: NovaClient): Promise<{ runningVms: number; vcpusUsed: number }> {
  const r = await nova.request<{ hypervisors: Array<{ running_vms: number; vcpus_used: number }> }>('GET', '/compute/v2.1/os-hypervisors/detail');
  expect(r.status).toBe(200);
  return r.body.hypervisors.reduce((a, h) => ({ runningVms: a.runningVms + h.running_vms, vcpusUsed: a.vcpusUsed + h.vcpus_used }), { runningVms: 0, vcpusUsed: 0 });
}

/** The capacity the API cell has rolled up from its subtree (`novacell status --json`), as used: hosts and vCPU. */
async function topUsage(): Promise<{ hosts: number; hostsUp: number; vcpusUsed: number; memoryMbUsed: number }> {
  const r = await runNovacell(['status', '--topology', QUICKSTART, '--data-dir', data, '--json'], join(dir, 'status.log'));
  expect(r.code).toBe(0);
  const c = (JSON.parse(r.stdout) as CellStatus).capacity;
  return { hosts: c.hosts, hostsUp: c.hostsUp, vcpusUsed: c.vcpus - c.vcpusFree, memoryMbUsed: c.memoryMb - c.memoryMbFree };
}

/** consumer → allocation rows over every leaf database in the data directory, and the leaf of each. */
async function allocations(): Promise<Map<string, number> & { leaf: Map<string, string> }> {
  const out = Object.assign(new Map<string, number>(), { leaf: new Map<string, string>() });
  for (const f of readdirSync(data).filter((x) => /^api\.cell(1|2\.cell2a)\.sqlite$/.test(x))) {
    const db = await openDb({ file: join(data, f) });
    try {
      for (const r of await db('allocations').select('consumer_id')) {
        out.set(r.consumer_id, (out.get(r.consumer_id) ?? 0) + 1);
        out.leaf.set(r.consumer_id, f.replace(/\.sqlite$/, '').replace(/\./g, '!'));
      }
    } finally {
      await db.destroy();
    }
  }
  return out;
}

/**
 * The instance mappings: one table, the API database's (none in the API cell's routing file), its
 * cell the leaf holding each server.
 */
async function expectMappings(leafOf: Map<string, string>, ids: string[]): Promise<void> {
  const tables = async (f: string) => {
    const db = await openDb({ file: join(data, f) });
    try {
      return await db('sqlite_master').where({ type: 'table', name: 'instance_mappings' }).count({ n: '*' }).first();
    } finally {
      await db.destroy();
    }
  };
  expect(await tables('api.cells.sqlite')).toEqual({ n: 0 });
  expect(await tables('api.sqlite')).toEqual({ n: 1 });
  const db = await openDb({ file: join(data, 'api.sqlite') });
  try {
    const cells = new Map((await db('instance_mappings').select('instance_uuid', 'cell')).map((r) => [String(r.instance_uuid), r.cell as string | null]));
    for (const id of ids) expect(cells.get(id), `mapping of ${id}`).toBe(leafOf.get(id));
  } finally {
    await db.destroy();
  }
}

async function waitFor(nova: NovaClient, id: string, status: string, power: number): Promise<void> {
  await until(`${id} ${status}/${power}`, async () => {
    const s = (await servers(nova)).get(id);
    return s?.status === status && s.power === power && s.task === null;
  }, 60_000);
}

async function expectSame(nova: NovaClient, before: View, ids: string[]): Promise<number> {
  const t0 = Date.now();
  // Settled: every server reported by its host again (no task, power state as before).
  await until('every server as before', async () => {
    const now = await servers(nova);
    return ids.every((id) => JSON.stringify(now.get(id)) === JSON.stringify(before.get(id)));
  }, 90_000).catch(async (e) => {
    const now = await servers(nova);
    const diff = ids.filter((id) => JSON.stringify(now.get(id)) !== JSON.stringify(before.get(id))).slice(0, 5);
    throw new Error(`${(e as Error).message}: ${diff.map((id) => `${id} ${JSON.stringify(before.get(id))} → ${JSON.stringify(now.get(id))}`).join('; ')}`);
  });
  const settledMs = Date.now() - t0;
  expect((await servers(nova)).size).toBe(N);
  await until('hypervisors agree', async () => {
    const h = await hypervisorTotals(nova);
    return h.runningVms === N && h.vcpusUsed === N;
  }, 60_000).catch(async (e) => { throw new Error(`${(e as Error).message}: ${JSON.stringify(await hypervisorTotals(nova))}`); });
  // …and so does the capacity the cells report up the tree (the scheduler's host states after the restart).
  let top = await topUsage();
  await until('the top counts every server', async () => {
    top = await topUsage();
    return top.hostsUp === top.hosts && top.vcpusUsed === N && top.memoryMbUsed === N * 512;
  }, 30_000).catch((e) => { throw new Error(`${(e as Error).message}: ${JSON.stringify(top)}`); });
  const allocs = await allocations();
  expect(allocs.size).toBe(N);
  for (const id of ids) expect(allocs.get(id), `allocation of ${id}`).toBe(1);
  await expectMappings(allocs.leaf, ids);
  for (const f of readdirSync(join(data, 'fake-hypervisor'))) expect(statSync(join(data, 'fake-hypervisor', f)).mode & 0o777).toBe(0o600);
  return settledMs;
}

/** Stop one, start one, reboot one, read a console: the servers found after the restart obey. */
async function exercise(nova: NovaClient, ids: string[], round: number): Promise<View> {
  const running = ids[STOPPED + round]!;
  const stopped = ids[round]!;
  const rebooted = ids[STOPPED + 20 + round]!;
  const act = async (id: string, body: unknown) => expect((await nova.request('POST', `/compute/v2.1/servers/${id}/action`, body)).status).toBe(202);
  await act(running, { 'os-stop': null });
  await act(stopped, { 'os-start': null });
  await act(rebooted, { reboot: { type: 'HARD' } });
  await waitFor(nova, running, 'SHUTOFF', 4);
  await waitFor(nova, stopped, 'ACTIVE', 1);
  await waitFor(nova, rebooted, 'ACTIVE', 1);
  const log = await nova.request<{ output: string }>('POST', `/compute/v2.1/servers/${stopped}/action`, { 'os-getConsoleOutput': { length: 5 } });
  expect(log.status).toBe(200);
  expect(log.body.output).toMatch(/login:/);
  return servers(nova);
}

describe('novacell up restarted on the same data directory', () => {
  it(`keeps ${N} servers, their power states, hosts and allocations through SIGTERM and SIGKILL`, { timeout: 900_000 }, async () => {
    let nova = await up();
    const projects = await nova.request<{ projects: Array<{ id: string; name: string }> }>('GET', '/identity/v3/projects');
    const admin = projects.body.projects.find((p) => p.name === 'admin')!;
    const q = await nova.request('PUT', `/compute/v2.1/os-quota-sets/${admin.id}`, { quota_set: { instances: 100, cores: 100, ram: 102_400 } });
    expect(q.status).toBe(200);
    const ids = await nova.createServers(N, 'keep');
    await nova.waitActive(ids, 180_000);
    for (const id of ids.slice(0, STOPPED)) expect((await nova.request('POST', `/compute/v2.1/servers/${id}/action`, { 'os-stop': null })).status).toBe(202);
    for (const id of ids.slice(0, STOPPED)) await waitFor(nova, id, 'SHUTOFF', 4);
    let before = await servers(nova);
    expect([...before.values()].filter((s) => s.status === 'ACTIVE')).toHaveLength(N - STOPPED);

    // SIGTERM: the clean shutdown path.
    expect(await proc!.stop(60_000)).toEqual({ code: 0, signal: null });
    let t0 = Date.now();
    nova = await up();
    const termUpMs = Date.now() - t0;
    const termSettledMs = await expectSame(nova, before, ids);
    before = await exercise(nova, ids, 0);

    // SIGKILL: nothing runs on the way down.
    proc!.kill('SIGKILL');
    expect((await proc!.exited).signal).toBe('SIGKILL');
    t0 = Date.now();
    nova = await up();
    const killUpMs = Date.now() - t0;
    const killSettledMs = await expectSame(nova, before, ids);
    await exercise(nova, ids, 1);
    process.stderr.write(`[e2e] restart: ${N} servers; SIGTERM → up again in ${termUpMs} ms, settled ${termSettledMs} ms later; SIGKILL → up again in ${killUpMs} ms, settled ${killSettledMs} ms later\n`);
  });
});
