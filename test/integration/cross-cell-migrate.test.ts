/**
 * Cross-cell cold migration and resize through a real cell tree (api → c1 → g11, api → c2 → g21, two
 * fake hosts per leaf; real MQTT brokers and SQLite files): the steps of cells/tree/cross-cell-migrate.ts
 * and actors/conductor/tasks/cross-cell.ts. A named host in the other leaf, or a source leaf with no
 * other host to take it, sends the instance across when the request allows it (and not otherwise);
 * VERIFY_RESIZE shows the new host and cell, the source allocation held by the migration's uuid and the
 * destination's by the instance; the source leaf's updates no longer count for it; confirm deletes the
 * source copy and allocation; revert brings it back to the source host with its allocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { CellTree, planFlavors } from '../../cells/tree/tree.ts';
import { upTopic } from '../../cells/topics.ts';
import type { ConductorContext } from '../../actors/conductor/context.ts';
import type { InstanceView } from '../../actors/api/compute-api.ts';
import { ApiStore } from '../../actors/api/db/index.ts';
import { treePlan } from '../support/tree-topology.ts';
import { until } from '../support/waits.ts';

const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-xcell', isAdmin: true };
const image = { id: 'cirros', properties: {} };
const lines: Array<Record<string, unknown>> = [];
const log = pino({ level: process.env['XC_LOG'] ?? 'warn' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); if (process.env['XC_LOG']) process.stderr.write(s); } });

let tree: CellTree;
let store: ApiStore;
let dir: string;
let plan: ReturnType<typeof treePlan>;
const tiny = () => planFlavors(plan).find((f) => f.id === '1')!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-xcell-'));
  plan = treePlan({ children: 2, grandchildren: 1, hostsPerLeaf: 2 });
  // The REST API's database holds the instance mappings, as beside `novacell up`'s tree.
  store = await ApiStore.open({ file: join(dir, 'api.rest.sqlite') });
  tree = await CellTree.start({
    plan, clock: new RealClock(), rng: new SeededRng('xcell'), log,
    dbFile: (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`), ephemeralPorts: true, instanceMappings: store.instances,
  });
  await until('every host reported', () => tree.capacity().hostsUp === plan.hosts.length, 60_000);
}, 120_000);

afterAll(async () => {
  await tree?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function leafCtx(cell: string): ConductorContext {
  return tree.cells.get(cell)!.leaf!.ctx;
}
function providerOf(cell: string, host: string): string {
  return leafCtx(cell).hostManager.nodesOf(host)[0]!.uuid;
}
function providersHeldBy(cell: string, consumer: string): string[] {
  return leafCtx(cell).placement.allocationsOf(consumer).map((a) => a.providerUuid);
}

/** The API cell's copy of an instance, with the cell its mapping names. */
type Shown = InstanceView & { cell: string | null };
async function shown(uuid: string): Promise<Shown> {
  return (await tree.api.get(uuid, ctx)) as Shown;
}

async function activeServer(name: string) {
  const { instanceUuids: [uuid] } = await tree.api.create({ name, flavor: tiny(), image }, ctx);
  await until(`${name} ACTIVE`, async () => (await tree.api.get(uuid!, ctx)).vmState === 'active', 60_000);
  const s = await shown(uuid!);
  return { uuid: uuid!, cell: s.cell!, host: s.host! };
}

async function waitCopy(uuid: string, what: string, ok: (c: Shown) => boolean): Promise<Shown> {
  return until(what, async () => {
    const c = await shown(uuid);
    return ok(c) ? c : undefined;
  }, 60_000);
}

describe('cross-cell cold migration', () => {
  it('stays in its cell unless the request allows it: a host of another leaf is not found', async () => {
    const s = await activeServer('xc-denied');
    const other = plan.hosts.find((h) => h.cell !== s.cell)!.name;
    await expect(tree.api.instanceTask(s.uuid, { kind: 'migrate', host: other }, ctx)).rejects.toThrow(`Compute host ${other} could not be found.`);
    await expect(tree.api.instanceTask(s.uuid, { kind: 'migrate', host: 'no-such-host', crossCell: true }, ctx))
      .rejects.toThrow('Compute host no-such-host could not be found.');
    const after = await shown(s.uuid);
    expect(after).toMatchObject({ vmState: 'active', taskState: null, host: s.host, cell: s.cell });
    // The aborted cross-cell attempt gave the source allocation back to the instance.
    expect(providersHeldBy(s.cell, s.uuid)).toEqual([providerOf(s.cell, s.host)]);
    await tree.api.delete(s.uuid, ctx);
  });

  it('migrate --host in another leaf + confirm: the instance, its allocation and its mapping move', async () => {
    const s = await activeServer('xc-confirm');
    const dest = plan.hosts.find((h) => h.cell !== s.cell)!;
    await tree.api.instanceTask(s.uuid, { kind: 'migrate', host: dest.name, crossCell: true }, ctx);
    const resized = await waitCopy(s.uuid, 'VERIFY_RESIZE in the other leaf', (c) => c.vmState === 'resized' && c.taskState === null);
    expect(resized).toMatchObject({ host: dest.name, cell: dest.cell });

    // Source: the hidden copy, the migration (cross_cell_move) holding the source allocation.
    const src = leafCtx(s.cell);
    const m = src.migrations.list({ instanceUuid: s.uuid })[0]!;
    expect(m).toMatchObject({ crossCellMove: true, status: 'finished', sourceCompute: s.host, destCompute: dest.name, migrationType: 'migration' });
    expect(providersHeldBy(s.cell, m.uuid)).toEqual([providerOf(s.cell, s.host)]);
    expect(providersHeldBy(s.cell, s.uuid)).toEqual([]);
    expect(src.store.get(s.uuid)?.systemMetadata['cross_cell_hidden']).toBe('true');
    // Target: the instance claims the destination; the migration's copy has the same uuid.
    const tgt = leafCtx(dest.cell);
    expect(providersHeldBy(dest.cell, s.uuid)).toEqual([providerOf(dest.cell, dest.name)]);
    expect(tgt.migrations.list({ instanceUuid: s.uuid }).map((x) => x.uuid)).toEqual([m.uuid]);
    // os-migrations shows the record once.
    const listed = (await tree.api.migrations({ instanceUuid: s.uuid }, ctx)).filter((x) => x.uuid === m.uuid);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ crossCellMove: true, status: 'finished' });

    // The source leaf's own link can no longer speak for the instance: its update is denied on the way up.
    const { cell: _shownIn, ...rest } = resized;
    void _shownIn;
    const forged = { ...rest, host: s.host, displayName: 'pwned', version: resized.version + 100, fault: null };
    await tree.cells.get(s.cell)!.parentBus!.cast(upTopic(plan.cells.find((c) => c.path === s.cell)!.parentPath!, s.cell), {
      type: 'instance_updates', body: { from: s.cell, updates: [{ uuid: s.uuid, cell: s.cell, version: forged.version, record: forged }] },
    });
    await until('the stale update is denied', () => lines.some((l) => l.instance_uuid === s.uuid && String(l.msg).includes('denied')));
    expect(await shown(s.uuid)).toMatchObject({ cell: dest.cell, host: dest.name, displayName: 'xc-confirm' });

    await tree.api.instanceTask(s.uuid, { kind: 'confirm_resize' }, ctx);
    const done = await waitCopy(s.uuid, 'ACTIVE after confirm', (c) => c.vmState === 'active' && c.taskState === null);
    expect(done).toMatchObject({ host: dest.name, cell: dest.cell });
    await until('the source copy is gone', () => !src.store.get(s.uuid));
    expect(providersHeldBy(s.cell, m.uuid)).toEqual([]);
    expect(providersHeldBy(dest.cell, s.uuid)).toEqual([providerOf(dest.cell, dest.name)]);
    expect(tgt.migrations.list({ instanceUuid: s.uuid })[0]).toMatchObject({ status: 'confirmed', crossCellMove: true });
    // The instance mapping names the new leaf.
    await until('the mapping names the new leaf', () => store.instances.get(s.uuid)?.cell === dest.cell);
    const row = await store.db('instance_mappings').where({ instance_uuid: s.uuid }).first();
    expect(row.cell).toBe(dest.cell);
    // And the instance is the new leaf's own now: it can be stopped there.
    await tree.api.powerAction(s.uuid, 'stop', ctx);
    await waitCopy(s.uuid, 'SHUTOFF in the new leaf', (c) => c.vmState === 'stopped');
  });

  it('migrate with no other host in the source leaf goes to another leaf; revert brings it back', async () => {
    const s = await activeServer('xc-revert');
    const sibling = plan.hosts.find((h) => h.cell === s.cell && h.name !== s.host)!.name;
    await tree.apiCell.updateService({ host: sibling, binary: 'nova-compute', disabled: true });
    try {
      await tree.api.instanceTask(s.uuid, { kind: 'migrate', host: null, crossCell: true }, ctx);
    } finally {
      await tree.apiCell.updateService({ host: sibling, binary: 'nova-compute', disabled: false });
    }
    const resized = await waitCopy(s.uuid, 'VERIFY_RESIZE', (c) => c.vmState === 'resized' && c.taskState === null);
    expect(resized.cell).not.toBe(s.cell);
    const tgtCell = resized.cell!;

    await tree.api.instanceTask(s.uuid, { kind: 'revert_resize' }, ctx);
    const back = await waitCopy(s.uuid, 'ACTIVE on the source after revert', (c) => c.vmState === 'active' && c.taskState === null && c.cell === s.cell);
    expect(back.host).toBe(s.host);
    expect(providersHeldBy(s.cell, s.uuid)).toEqual([providerOf(s.cell, s.host)]);
    const m = leafCtx(s.cell).migrations.list({ instanceUuid: s.uuid })[0]!;
    expect(m).toMatchObject({ status: 'reverted', crossCellMove: true });
    expect(providersHeldBy(s.cell, m.uuid)).toEqual([]);
    await until('the target copy is gone', () => !leafCtx(tgtCell).store.get(s.uuid));
    expect(providersHeldBy(tgtCell, s.uuid)).toEqual([]);
    // Its updates count from the source leaf again.
    await tree.api.powerAction(s.uuid, 'stop', ctx);
    await waitCopy(s.uuid, 'SHUTOFF in the source leaf', (c) => c.vmState === 'stopped' && c.cell === s.cell);
  });
});
