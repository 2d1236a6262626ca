/**
 * One cell end to end: its own aedes broker on a TCP port, its own SQLite file, 20 fake hosts of mixed
 * sizes. Bursts of builds reach ACTIVE within allocation ratios; deletes free every allocation; failed
 * spawns reschedule; NoValidHost buries in ERROR; a crashed compute actor is restarted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { SingleCell, type FakeHostSpec } from '../../cells/single-cell.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';
import { capacityOf } from '../../actors/placement/index.ts';
import { until } from '../support/waits.ts';

const flavor = (name: string, vcpus: number, memoryMb: number, rootGb: number): FlavorSpec => ({
  id: name, name, vcpus, memoryMb, rootGb, ephemeralGb: 0, swapMb: 0, extraSpecs: {},
});
const small = flavor('m1.small', 1, 2048, 20);
const image = { id: '00000000-0000-4000-8000-000000000001', properties: {} };
const ctx = { projectId: 'demo', userId: 'demo-user', reqId: 'req-00000000-0000-4000-8000-000000000000' };

function mixedHosts(n: number): FakeHostSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `compute${String(i + 1).padStart(3, '0')}`,
    vcpus: [8, 16, 32][i % 3]!,
    memoryMb: [32768, 65536, 131072][i % 3]!,
    diskGb: [500, 1000, 2000][i % 3]!,
  }));
}

let cell: SingleCell | undefined;
let dir: string | undefined;

async function startCell(hosts: FakeHostSpec[], extra: Partial<Parameters<typeof SingleCell.start>[0]> = {}, seed = 'test') {
  dir = mkdtempSync(join(tmpdir(), 'novacell-'));
  cell = await SingleCell.start({
    name: 'cell1', db: { file: join(dir, 'cell1.sqlite') }, hosts, clock: new RealClock(), rng: new SeededRng(seed),
    config: novaConfig(), log: createLogger({}, 'silent'), ...extra,
  });
  await until('all hosts registered', () => cell!.services.ctx.hostManager.hosts().length === hosts.length && cell!.services.ctx.placement.listProviders().length === hosts.length);
  return cell;
}

afterEach(async () => {
  await cell?.stop();
  cell = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function allStates(c: SingleCell) {
  return c.api.list({ ...ctx }, true).then((l) => l.map((i) => i.vmState));
}

describe('one cell over real MQTT and SQLite', () => {
  it('builds 500 servers in one burst within allocation ratios, then deletes them all', async () => {
    const c = await startCell(mixedHosts(20));
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => c.api.create({ name: `vm${i}`, flavor: small, image }, { ...ctx, reqId: `req-${i}` })),
    );
    const uuids = results.flatMap((r) => r.instanceUuids);
    expect(new Set(uuids).size).toBe(500);
    await until('500 ACTIVE', async () => (await allStates(c)).filter((s) => s === 'active').length === 500, 60_000);

    // Every allocation belongs to a live instance on the same host, and no provider exceeds its capacity.
    const { placement } = c.services.ctx;
    const instances = await c.api.list(ctx, true);
    const hostOf = new Map(instances.map((i) => [i.uuid, i.host]));
    const allocs = placement.allAllocations();
    expect(allocs).toHaveLength(500);
    const used = new Map<string, Record<string, number>>();
    for (const a of allocs) {
      expect(hostOf.has(a.consumerId)).toBe(true);
      expect(placement.provider(a.providerUuid)!.name).toBe(hostOf.get(a.consumerId));
      const u = used.get(a.providerUuid) ?? {};
      for (const [rc, v] of Object.entries(a.resources)) u[rc] = (u[rc] ?? 0) + v;
      used.set(a.providerUuid, u);
    }
    for (const [rp, u] of used) {
      const p = placement.provider(rp)!;
      for (const [rc, v] of Object.entries(u)) expect(v).toBeLessThanOrEqual(capacityOf(p.inventories[rc]!));
    }
    // Spread by default (RAM, CPU and disk weighers at 1.0): the load goes to the hosts with the most
    // free resources first, so every one of the largest hosts is used and the load is over many hosts.
    const states = c.services.ctx.hostManager.hosts();
    const largest = states.filter((h) => h.memoryMb === 131072);
    expect(largest.length).toBeGreaterThan(0);
    for (const h of largest) expect(h.memoryMbUsed).toBeGreaterThan(0);
    expect(states.filter((h) => h.memoryMbUsed > 0).length).toBeGreaterThanOrEqual(10);
    // The database agrees with memory once the writer has flushed.
    await c.services.ctx.writer.commit();
    expect(Number((await c.services.ctx.db('allocations').count({ n: '*' }))[0]!.n)).toBe(500);
    expect(Number((await c.services.ctx.db('instances').where({ vm_state: 'active' }).count({ n: '*' }))[0]!.n)).toBe(500);

    await Promise.all(uuids.map((u) => c.api.delete(u, ctx)));
    await until('all deleted', async () => (await c.api.list(ctx, true)).length === 0, 60_000);
    expect(placement.allAllocations()).toHaveLength(0);
    await c.services.ctx.writer.commit();
    expect(Number((await c.services.ctx.db('allocations').count({ n: '*' }))[0]!.n)).toBe(0);
    expect(Number((await c.services.ctx.db('instances').where({ deleted: true }).count({ n: '*' }))[0]!.n)).toBe(500);
    for (const h of c.compute.hostNames()) expect(await c.compute.driverOf(h)!.listInstanceUuids()).toEqual([]);
  });

  it('reschedules a failed spawn to an alternate host and records both attempts', async () => {
    const hosts = mixedHosts(3).map((h, i) => ({ ...h, failSpawn: i === 2 }));
    // compute003 is the biggest host, so the RAM weigher picks it first; its hypervisor is broken.
    const c = await startCell(hosts);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'retry-me', flavor: small, image }, ctx);
    const inst = await until('ACTIVE', async () => {
      const i = await c.api.get(uuid!, ctx);
      return i.vmState === 'active' ? i : undefined;
    });
    expect(inst.host).not.toBe('compute003');
    const [create] = await c.api.actions(uuid!, ctx);
    const builds = create!.events.filter((e) => e.event === 'compute_build_and_run_instance');
    expect(builds.map((e) => [e.host, e.result])).toEqual([['compute003', 'Error'], [inst.host, 'Success']]);
    expect(c.services.ctx.placement.allocationsOf(uuid!)).toHaveLength(1);
  });

  it('puts an instance that fits nowhere in ERROR with a NoValidHost fault', async () => {
    const c = await startCell(mixedHosts(2));
    const huge = flavor('huge', 4, 10_000_000, 1);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'too-big', flavor: huge, image }, ctx);
    const inst = await until('ERROR', async () => {
      const i = await c.api.get(uuid!, ctx);
      return i.vmState === 'error' ? i : undefined;
    });
    expect(inst.fault?.message).toMatch(/No valid host was found/);
    expect(inst.taskState).toBeNull();
    expect(c.services.ctx.placement.allocationsOf(uuid!)).toHaveLength(0);
  });

  it('ends in ERROR after max_attempts failed spawns', async () => {
    const hosts = mixedHosts(5).map((h) => ({ ...h, failSpawn: true }));
    const c = await startCell(hosts);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'doomed', flavor: small, image }, ctx);
    const inst = await until('ERROR', async () => {
      const i = await c.api.get(uuid!, ctx);
      return i.vmState === 'error' ? i : undefined;
    });
    const [create] = await c.api.actions(uuid!, ctx);
    expect(create!.events.filter((e) => e.event === 'compute_build_and_run_instance')).toHaveLength(3);
    expect(inst.fault?.message).toMatch(/Exceeded maximum number of retries/);
  });

  it('restarts a crashed compute actor and keeps building on that host', async () => {
    const crashes: string[] = [];
    let armed = true;
    const c = await startCell(mixedHosts(1), {
      onComputeCrash: (host) => crashes.push(host),
      driverFor: (h) => {
        const d = new FakeDriver({ clock: new RealClock(), rng: new SeededRng('x').stream(h.name), resources: { vcpus: h.vcpus, memoryMb: h.memoryMb, localGb: h.diskGb } });
        const orig = d.getConsoleOutput.bind(d);
        d.getConsoleOutput = async (uuid: string) => {
          if (armed) {
            armed = false;
            throw new TypeError('driver bug');
          }
          return orig(uuid);
        };
        return d;
      },
    });
    const first = await c.api.create({ name: 'a', flavor: small, image }, ctx);
    await until('first ACTIVE', async () => (await c.api.get(first.instanceUuids[0]!, ctx)).vmState === 'active');
    await expect(c.api.consoleOutput(first.instanceUuids[0]!, undefined, ctx)).rejects.toThrow(/crashed/);
    expect(crashes).toEqual(['compute001']);
    // The restarted manager still serves the host and its guests.
    expect(await c.api.consoleOutput(first.instanceUuids[0]!, undefined, ctx)).toContain(first.instanceUuids[0]!.slice(0, 8));
    const second = await c.api.create({ name: 'b', flavor: small, image }, ctx);
    await until('second ACTIVE', async () => (await c.api.get(second.instanceUuids[0]!, ctx)).vmState === 'active');
  });

  it('resumes unfinished builds after the cell restarts on the same database', async () => {
    const hosts = mixedHosts(4).map((h) => ({ ...h, spawnTimeMs: 1_000_000 }));
    const c = await startCell(hosts);
    const r = await c.api.create({ name: 'slow', flavor: small, image, minCount: 3, maxCount: 3 }, ctx);
    await until('dispatched', () => r.instanceUuids.every((u) => c.services.ctx.builds.get(u)?.state === 'dispatched'));
    const file = join(dir!, 'cell1.sqlite');
    await c.stop();
    cell = await SingleCell.start({
      name: 'cell1', db: { file }, hosts: mixedHosts(4), clock: new RealClock(), rng: new SeededRng('restart'),
      config: novaConfig(), log: createLogger({}, 'silent'),
    });
    const c2 = cell;
    await until('3 ACTIVE after restart', async () => {
      const states = await Promise.all(r.instanceUuids.map((u) => c2.api.get(u, ctx).then((i) => i.vmState)));
      return states.every((s) => s === 'active');
    });
    expect(c2.services.ctx.placement.allAllocations()).toHaveLength(3);
  });
});
