/**
 * The conductor's compute node rows across resource tracker reports. A host reports its resources at
 * start and then only when they changed (Nova's `_update` saves the node only on `_resource_change`):
 * each report updates the row (usage, updated_at) but keeps the created_at of the first one — found by
 * the bus fuzzer's long mode, whose before/after state comparison saw created_at move at every report.
 * A conductor that does not know a live host's node (it restarted; the host did not) asks for a report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { MemoryBus, MemoryHub } from '../../../../runtime/bus/index.ts';
import { startActorSystem, spawnGroup, stopActor } from '../../../../runtime/actor/index.ts';
import { SingleCell } from '../../../../cells/single-cell.ts';
import { startLeaf } from '../../../../cells/leaf/start-leaf.ts';
import { LeafServices } from '../../../../cells/leaf/leaf-services.ts';
import { cellPrefix } from '../../../../cells/topics.ts';
import { replySenders } from '../../../../cells/security/principals.ts';
import { FakeDriver } from '../../../../actors/compute/drivers/fake.ts';
import { runClockUntil } from '../../../../simulator/quiesce.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const config = novaConfig();
const INTERVAL_MS = config.DEFAULT.update_resources_interval * 1000;
const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };

interface NodeRow { created_at: number; updated_at: number; vcpus_used: number }

/** One cell with one host h1 on the in-memory bus; removed after the test. */
async function startCell(clock: VirtualClock, seed: string, cfg = config): Promise<SingleCell> {
  const cell = await SingleCell.start({
    name: 'c1', transport: { kind: 'memory', hub: new MemoryHub() }, db: { file: ':memory:' },
    hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100, spawnTimeMs: 1000 }],
    clock, rng: new SeededRng(seed), config: cfg, log: createLogger({}, 'silent'),
  });
  cleanups.push(() => cell.stop());
  return cell;
}

/** h1's compute_nodes row as committed. */
async function nodeRow(cell: SingleCell): Promise<NodeRow> {
  const { writer, db } = cell.services.ctx;
  await writer.commit();
  const r = (await db('compute_nodes').where({ host: 'h1' }).first()) as NodeRow;
  return { created_at: Number(r.created_at), updated_at: Number(r.updated_at), vcpus_used: r.vcpus_used };
}

/**
 * Move virtual time, waiting for the work each timer sets off (the report's hops, its commit); a
 * plain advance() gives it five event-loop turns, which a loaded machine can outlast (CI, 2026-12-07).
 */
const advance = (clock: VirtualClock, ms: number) => runClockUntil(clock, clock.now() + ms);

it('sends a node\'s resources only when they changed, keeping created_at and moving updated_at', async () => {
  const clock = new VirtualClock();
  const cell = await startCell(clock, 'tracker');
  await advance(clock, 1000);
  const first = await nodeRow(cell);
  expect(first.vcpus_used).toBe(0);

  // Three periods with nothing changed on the host: nothing sent, the row as it was.
  for (let i = 0; i < 3; i++) await advance(clock, INTERVAL_MS);
  expect((await nodeRow(cell)).updated_at).toBe(first.updated_at);

  // A guest lands on the host: the next period's report carries it.
  await cell.api.create({ name: 'a', flavor, image: { id: 'img', properties: {} } }, { projectId: 'p', userId: 'u', reqId: 'req-t' });
  await advance(clock, INTERVAL_MS);
  const later = await nodeRow(cell);
  expect(later.vcpus_used).toBe(1);
  expect(later.updated_at).toBeGreaterThan(first.updated_at);
  expect(later.created_at).toBe(first.created_at);
});

it.each([
  { refreshS: 300, expected: [false, false, false, false, true, false] },
  { refreshS: 0, expected: [false, false, false, false, false, false] },
])('re-sends an unchanged report after resource_provider_association_refresh ($refreshS s)', async ({ refreshS, expected }) => {
  const clock = new VirtualClock();
  const cell = await startCell(clock, 'refresh', novaConfig({ compute: { resource_provider_association_refresh: refreshS } }));
  await advance(clock, 1000);
  let last = (await nodeRow(cell)).updated_at;
  // Six 60-s periods: with a 300-s refresh the fifth (300 s after the report at start) is sent.
  const sent: boolean[] = [];
  for (let i = 0; i < 6; i++) {
    await advance(clock, INTERVAL_MS);
    const now = (await nodeRow(cell)).updated_at;
    sent.push(now !== last);
    last = now;
  }
  expect(sent).toEqual(expected);
});

it('asks a live host for its resources when the conductor does not know its node (restarted without the host)', async () => {
  const clock = new VirtualClock();
  const hub = new MemoryHub();
  const rng = new SeededRng('restart');
  const log = createLogger({}, 'silent');
  const dir = mkdtempSync(join(tmpdir(), 'novacell-tracker-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const system = startActorSystem();
  cleanups.push(() => stopActor(system));
  const bus = (id: string) => {
    const b = new MemoryBus({ clientId: `c1:${id}`, clock, rng: rng.stream(id), topicPrefix: cellPrefix('c1'), replySender: replySenders('c1'), hub });
    cleanups.push(() => b.close());
    return b;
  };
  const db = { file: join(dir, 'c1.sqlite') };
  const common = { cell: 'c1', db, clock, rng, config, log };

  // The conductor and the host in one place, as `up` runs them; then the conductor alone goes away.
  const first = await startLeaf({
    ...common, parent: spawnGroup(system, 'first'), bus: bus('conductor'), computeBus: bus('compute'),
    hosts: () => [{ host: 'h1', nodeUuid: 'node-h1', driver: new FakeDriver({ clock, rng: rng.stream('driver'), resources: { vcpus: 8, memoryMb: 16384, localGb: 100 } }) }],
  });
  cleanups.push(() => first.compute.stop());
  await advance(clock, 1000);
  expect(first.leaf.ctx.hostManager.nodesOf('h1')).toHaveLength(1);
  await first.leaf.stop();

  // A new conductor on the same database and topic; the host carries on and has nothing new to report.
  const second = await LeafServices.start({ ...common, parent: spawnGroup(system, 'second'), bus: bus('conductor-2') });
  cleanups.push(() => second.stop());
  expect(second.ctx.hostManager.nodesOf('h1')).toHaveLength(0);
  // Its next heartbeat (report_interval, well before update_resources_interval) makes the conductor ask.
  await advance(clock, config.DEFAULT.report_interval * 1000);
  expect(config.DEFAULT.report_interval * 1000).toBeLessThan(INTERVAL_MS);
  const [node] = second.ctx.hostManager.nodesOf('h1');
  expect(node?.vcpus).toBe(8);
});
