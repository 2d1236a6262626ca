/**
 * The conductor's instance store keeps open actions in memory and finished ones in the cell database:
 * a finished action leaves memory once its rows are committed and is read back (with its events, in
 * order) when asked for; a restart loads only the open ones; a purge deletes the rows of every action
 * of the instance, the ones only the database holds included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { openDb, WriteBehind, type Db } from '../../../../runtime/db/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { cellMigrations, cellTables } from '../../../../actors/conductor/schema.ts';
import { InstanceStore } from '../../../../actors/conductor/instance-store.ts';
import { instanceRecord, UUID } from '../../../support/instance-record.ts';

const NOW = Date.UTC(2026, 11, 8);
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  for (const d of dbs.splice(0)) await d.destroy();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir?: string): Promise<{ dir: string; db: Db; writer: WriteBehind; clock: VirtualClock; store: InstanceStore }> {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'novacell-store-'));
    dirs.push(dir);
  }
  const db = await openDb({ file: join(dir, 'cell.sqlite') }, cellMigrations);
  dbs.push(db);
  const writer = new WriteBehind(db, cellTables);
  const clock = new VirtualClock(NOW);
  const store = new InstanceStore(writer, db, clock, new SeededRng('store').stream('s'));
  await store.load();
  return { dir, db, writer, clock, store };
}

/** What memory holds for an instance: the actions actionsOf would return without the database. */
function inMemory(store: InstanceStore, uuid: string): number {
  return (store as unknown as { actions: Map<string, unknown[]> }).actions.get(uuid)?.length ?? 0;
}

async function count(db: Db, table: string): Promise<number> {
  return Number((await db(table).count({ n: '*' }).first())?.n ?? 0);
}

describe('InstanceStore actions', () => {
  it('lets a finished action go once committed and reads it back with its events in order', async () => {
    const { db, writer, clock, store } = await open();
    store.create(instanceRecord());
    const create = store.startAction(UUID, 'create', 'req-1', 'u1', 'p1');
    store.eventStart(create, 'conductor_schedule_and_build_instances', null);
    store.eventFinish(create, 'conductor_schedule_and_build_instances', 'Success');
    // The next event starts in the same millisecond the first one finished: still listed second.
    store.eventStart(create, 'compute_build_and_run_instance', 'host-a');
    await clock.advance(5);
    store.eventFinish(create, 'compute_build_and_run_instance', 'Success');
    store.finishAction(create);
    const stop = store.startAction(UUID, 'stop', 'req-2', 'u1', 'p1');
    await writer.commit();
    await Promise.resolve();

    expect(inMemory(store, UUID)).toBe(1); // the open stop action only
    expect(store.lastAction(UUID, 'create')).toBeUndefined();
    expect(store.lastAction(UUID)).toBe(stop);
    expect(await count(db, 'instance_actions')).toBe(2);

    const all = await store.actionsOf(UUID);
    expect(all.map((a) => [a.action, a.requestId, a.finishTime])).toEqual([['create', 'req-1', NOW + 5], ['stop', 'req-2', null]]);
    expect(all[0]!.events.map((e) => [e.event, e.host, e.result])).toEqual([
      ['conductor_schedule_and_build_instances', null, 'Success'],
      ['compute_build_and_run_instance', 'host-a', 'Success'],
    ]);
    expect(all[1]).toBe(stop);
  });

  it('lists a finished action whose rows are not yet committed from memory, once', async () => {
    const { writer, store } = await open();
    store.create(instanceRecord());
    const a = store.startAction(UUID, 'reboot', 'req-3', 'u1', 'p1');
    await writer.commit();
    store.finishAction(a, 'done');
    const listed = await store.actionsOf(UUID);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ action: 'reboot', message: 'done' });
  });

  it('loads only the open actions after a restart and still lists the finished ones', async () => {
    const first = await open();
    first.store.create(instanceRecord());
    first.store.finishAction(first.store.startAction(UUID, 'create', 'req-1', 'u1', 'p1'));
    const resize = first.store.startAction(UUID, 'resize', 'req-2', 'u1', 'p1');
    first.store.eventStart(resize, 'compute_resize_instance', 'host-a');
    await first.writer.commit();

    const again = await open(first.dir);
    expect(inMemory(again.store, UUID)).toBe(1);
    const open_ = again.store.lastAction(UUID, 'resize')!;
    expect(open_.events.map((e) => e.event)).toEqual(['compute_resize_instance']);
    expect((await again.store.actionsOf(UUID)).map((a) => a.action)).toEqual(['create', 'resize']);
  });

  it('purges the rows of every action of the instance, finished ones included', async () => {
    const { db, writer, store } = await open();
    store.create(instanceRecord());
    const other = '11111111-2222-4333-8444-555555555555';
    store.create(instanceRecord({ uuid: other }));
    for (const u of [UUID, other]) {
      const a = store.startAction(u, 'create', `req-${u}`, 'u1', 'p1');
      store.eventStart(a, 'compute_build_and_run_instance', 'host-a');
      store.eventFinish(a, 'compute_build_and_run_instance', 'Success');
      store.finishAction(a);
    }
    const open_ = store.startAction(UUID, 'migrate', 'req-m', 'u1', 'p1');
    store.eventStart(open_, 'compute_prep_resize', 'host-a');
    await writer.commit();
    await Promise.resolve();
    expect(await count(db, 'instance_actions')).toBe(3);
    expect(await count(db, 'instance_actions_events')).toBe(3);

    store.purge(UUID);
    await store.purged;
    await writer.commit();
    expect(await db('instance_actions').pluck('instance_uuid')).toEqual([other]);
    expect(await count(db, 'instance_actions_events')).toBe(1);
    expect(await db('instances').pluck('uuid')).toEqual([other]);
    expect(await store.actionsOf(other)).toHaveLength(1);
  });
});
