/**
 * Authorization on the bus by the sender the broker authenticated, on a real tree of aedes brokers with
 * credentials (as `novacell cell run` starts them): a compute host that lists instances, deletes or
 * reports on another host's instance, speaks for another host, or reports a live migration's progress
 * when it is not its source is denied; a child's link that updates an instance of another subtree,
 * speaks for a sibling, or forges `child_gone` is denied — each denial logged with the principal, the
 * state unchanged. The broker's own last will for a link still counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import mqtt from 'mqtt';
import type { MqttBus } from '../../runtime/bus/index.ts';
import { conductorTopicOfHost, goneTopic, upTopic } from '../../cells/topics.ts';
import { brokerPassword, computeClientId, linkClientId } from '../../cells/security/index.ts';
import { treePlan } from '../support/tree-topology.ts';
import { startSecureTree, TREE_SECRET, type SecureTree } from '../support/secure-tree.ts';
import { until } from '../support/waits.ts';

const LEAF = 'api!c1!g11';
const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-authz' };
const lines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });

let dir: string;
let tree: SecureTree;
let uuid: string;
let owner: string;
let other: string;

/** Wait for the denial of `type` from `principal` to be logged (it is logged before any handler runs). */
async function denied(type: string, principal: string, also: (l: Record<string, unknown>) => boolean = () => true) {
  await until(`${type} from ${principal} denied`, () => lines.some((l) => l.type === type && l.principal === principal && also(l)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-authz-'));
  // api → c1 → g11 (2 hosts) runs; the c2 subtree does not, so a test can hold its link's credentials.
  const plan = treePlan({ children: 2, grandchildren: 1, hostsPerLeaf: 2 });
  tree = await startSecureTree(plan, log, (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`), (p) => p === 'api!c2' || p.startsWith('api!c2!'));
  const tiny = planFlavorsTiny(plan);
  await until('the tree has room for a tiny server', () => (tree.apiCell.capacity().units[tiny.id] ?? 0) > 0, 60_000);
  const made = await tree.api.create({ name: 'victim', flavor: tiny, image: { id: 'cirros', properties: {} } }, ctx);
  uuid = made.instanceUuids[0]!;
  await until('the victim is ACTIVE', async () => (await tree.api.get(uuid, ctx)).vmState === 'active', 60_000);
  owner = (await tree.api.get(uuid, ctx)).host!;
  other = plan.hosts.find((h) => h.cell === LEAF && h.name !== owner)!.name;
}, 120_000);

afterAll(async () => {
  await tree?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function planFlavorsTiny(plan: ReturnType<typeof treePlan>) {
  const f = plan.flavors.find((x) => x.name === 'm1.tiny')!;
  return { id: f.id, name: f.name, vcpus: f.vcpus, memoryMb: f.ram, rootGb: f.disk, ephemeralGb: f.ephemeral, swapMb: f.swap, extraSpecs: f.extra_specs };
}

describe('a compute host may report only on itself and its own instances', () => {
  let attacker: MqttBus;
  beforeAll(async () => {
    attacker = await tree.login(LEAF, { kind: 'compute', host: other }, computeClientId(other));
  });

  it('cannot list the instances of its cell', async () => {
    await expect(attacker.call(conductorTopicOfHost(LEAF, other), { type: 'list_instances', body: {} }, { timeoutMs: 20_000 }))
      .rejects.toThrow(/list_instances is not allowed from compute@/);
    await denied('list_instances', `compute@${other}`);
  });

  it("cannot delete another host's instance: denied, logged, the server still ACTIVE", async () => {
    await expect(attacker.call(conductorTopicOfHost(LEAF, other), { type: 'delete_instance', body: { uuid } }, { timeoutMs: 20_000 }))
      .rejects.toThrow(/not allowed/);
    await denied('delete_instance', `compute@${other}`);
    const leaf = tree.cells.get(LEAF)!.leaf!.ctx;
    expect(leaf.store.get(uuid)).toMatchObject({ vmState: 'active', host: owner, deleted: false });
    expect((await tree.api.get(uuid, ctx)).vmState).toBe('active');
  });

  it("cannot report a result for another host's instance, nor speak for another host", async () => {
    const leaf = tree.cells.get(LEAF)!.leaf!.ctx;
    const before = { ...leaf.store.get(uuid)! };
    const topic = conductorTopicOfHost(LEAF, other);
    // Its own name on someone else's instance, then the owner's name on its own topic.
    await attacker.cast(topic, { type: 'compute_action_result', body: { uuid, host: other, action: 'stop', ok: true, powerState: 4 } });
    await attacker.cast(topic, { type: 'compute_action_result', body: { uuid, host: owner, action: 'stop', ok: true, powerState: 4 } });
    await attacker.cast(topic, { type: 'service_heartbeat', body: { host: owner, binary: 'nova-compute', reportCount: 1 } });
    await denied('compute_action_result', `compute@${other}`, (l) => String(l.reason).includes('is not on host'));
    await denied('compute_action_result', `compute@${other}`, (l) => String(l.reason).includes(`report on host ${owner}`));
    await denied('service_heartbeat', `compute@${other}`);
    expect(leaf.store.get(uuid)).toMatchObject({ vmState: before.vmState, powerState: before.powerState, host: owner });
  });

  it("a live migration's progress is taken only from its source host, not from the destination", async () => {
    const leaf = tree.cells.get(LEAF)!.leaf!.ctx;
    // Live-migrate the victim to the attacker's host: the fake source reports the transfer every second.
    await tree.apiCell.instanceTask(uuid, { kind: 'live_migrate', host: other, blockMigration: 'auto' }, { ...ctx, isAdmin: true });
    const m = await until('the migration running', () => {
      const r = leaf.migrations.inProgressFor(uuid);
      return r?.status === 'running' ? r : undefined;
    }, 20_000);
    expect(m).toMatchObject({ sourceCompute: owner, destCompute: other });
    const forged = (host: string) => ({
      uuid, host, migrationId: m.id, memoryTotalBytes: 1, memoryProcessedBytes: 1, memoryRemainingBytes: 0,
      diskTotalBytes: 7, diskProcessedBytes: 7, diskRemainingBytes: 0,
    });
    const topic = conductorTopicOfHost(LEAF, other);
    // The destination on its own behalf, then in the source's name.
    await attacker.cast(topic, { type: 'compute_migration_progress', body: forged(other) });
    await attacker.cast(topic, { type: 'compute_migration_progress', body: forged(owner) });
    await denied('compute_migration_progress', `compute@${other}`, (l) => String(l.reason).includes(`is not the source of live migration ${m.id}`));
    await denied('compute_migration_progress', `compute@${other}`, (l) => String(l.reason).includes(`report on host ${owner}`));
    // The source's own reports are heard: bytes move while it runs, and the forged figures never appear.
    const seen = await until('progress from the source', () => {
      const r = leaf.migrations.get(m.id)!;
      return (r.memoryProcessedBytes ?? 0) > 1 && r.status === 'running' ? r : undefined;
    }, 20_000);
    expect(seen.memoryTotalBytes).toBe(m.memoryTotalBytes);
    expect(seen.diskTotalBytes).toBe(0);
    await until('the migration completed', () => leaf.migrations.get(m.id)!.status === 'completed', 30_000);
    expect(leaf.store.get(uuid)!.host).toBe(other);
  });
});

describe('a child cell may speak only for its own subtree', () => {
  let c2: MqttBus;
  beforeAll(async () => {
    c2 = await tree.login('api', { kind: 'link', child: 'api!c2' }, linkClientId('api!c2'));
  });

  it('cannot update an instance of another subtree: its project and mapping stay as they were', async () => {
    // The live migration above finishes with updates that travel up on their own: let them land first.
    const copy = await until('the top copy settled after the migration', async () => {
      const c = await tree.api.get(uuid, ctx);
      return c.host === other && c.taskState == null ? c : undefined;
    }, 20_000);
    expect(copy).toMatchObject({ cell: LEAF, projectId: 'demo' });
    const forged = { ...copy, projectId: 'evil', displayName: 'pwned', version: copy.version + 100 };
    await c2.cast(upTopic('api', 'api!c2'), {
      type: 'instance_updates', body: { from: 'api!c2', updates: [{ uuid, cell: 'api!c2!g21', version: forged.version, record: forged }] },
    });
    // Speaking for its sibling, with the right cell, is refused as a whole.
    await c2.cast(upTopic('api', 'api!c2'), {
      type: 'instance_updates', body: { from: 'api!c1', updates: [{ uuid, cell: LEAF, version: forged.version, record: forged }] },
    });
    await until('the per-instance denial is logged', () => lines.some((l) => l.principal === 'link@api!c2' && l.instance_uuid === uuid));
    await denied('instance_updates', 'link@api!c2');
    const after = await tree.api.get(uuid, ctx);
    // The copy's cell is the instance mapping the API cell routes by.
    expect(after).toMatchObject({ cell: LEAF, projectId: 'demo', displayName: 'victim' });
    // A late genuine update may still bump the version; the forged one never lands.
    expect(after.version).toBeLessThan(forged.version);
  });

  it("cannot slip a sibling's capacity into its own instance updates", async () => {
    const before = structuredClone(tree.apiCell.role.children.linkState('api!c1')!.reported);
    await c2.cast(upTopic('api', 'api!c2'), {
      type: 'instance_updates',
      body: { from: 'api!c2', updates: [], capacity: { from: 'api!c1', seq: 1_000_000, full: true, capacity: { vcpusFree: 0, memoryMbFree: 0, units: {} } } },
    });
    await denied('instance_updates', 'link@api!c2', (l) => String(l.reason).includes("a capacity report for api!c1 inside api!c2's instance updates"));
    // toEqual: the units map has no prototype and structuredClone gives it Object's; the values must match.
    expect(tree.apiCell.role.children.linkState('api!c1')!.reported).toEqual(before);
  });

  it('cannot forge child_gone, for a sibling or for itself; the broker refuses it on the will topic', async () => {
    await c2.cast(upTopic('api', 'api!c2'), { type: 'child_gone', body: { cell: 'api!c1' } });
    await c2.cast(upTopic('api', 'api!c2'), { type: 'child_gone', body: { cell: 'api!c2' } });
    await until('both forged child_gone denied', () => lines.filter((l) => l.type === 'child_gone' && l.principal === 'link@api!c2').length >= 2);
    expect(tree.apiCell.role.children.linkState('api!c1')!.link).toBe('up');
    // Publishing on its own will topic itself is a publish the broker does not authorize: it drops the link.
    await c2.close();
    const raw = await mqtt.connectAsync(tree.brokers.get('api')!.url, {
      clientId: linkClientId('api!c2'), username: 'link@api!c2', password: brokerPassword(TREE_SECRET, 'api', 'link@api!c2'),
      protocolVersion: 4, clean: true, reconnectPeriod: 0,
    });
    const closed = new Promise<void>((r) => raw.once('close', () => r()));
    raw.publish(goneTopic('api', 'api!c2'), JSON.stringify({ type: 'child_gone', v: 1, id: 'x', body: { cell: 'api!c2' } }), { qos: 1 });
    await closed;
    raw.end(true);
    await until('the broker denied the publish', () => lines.some((l) => l.msg === 'broker: publish denied' && String(l.topic).includes('/gone/')));
    expect(tree.apiCell.role.children.linkState('api!c1')!.link).toBe('up');
  });

  it("accepts the broker's own last will for that link", async () => {
    const link = await tree.login('api', { kind: 'link', child: 'api!c2' }, linkClientId('api!c2'), {
      topic: goneTopic('api', 'api!c2'), type: 'child_gone', body: { cell: 'api!c2' },
    });
    await link.cast(upTopic('api', 'api!c2'), { type: 'child_hello', body: { cell: 'api!c2' } });
    await until('c2 heard from', () => tree.apiCell.role.children.linkState('api!c2')!.lastHeardMsAgo !== null);
    link.cutLink();
    await until('c2 link down by its will', () => tree.apiCell.role.children.linkState('api!c2')!.link === 'down');
    expect(tree.apiCell.role.children.linkState('api!c1')!.link).toBe('up');
  });
});
