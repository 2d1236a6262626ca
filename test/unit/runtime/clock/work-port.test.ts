/**
 * The work port: what a virtual clock waits for. Service actors count a message from dispatch to the
 * end of its handler, the group-commit writer a flush from scheduling to commit, the database layer a
 * connection from request to release; a discarding database answers without running statements.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ask, spawnService, startActorSystem, stopActor, tell, type ActorSystem } from '../../../../runtime/actor/index.ts';
import { WorkCounter } from '../../../../runtime/clock/index.ts';
import { openDb, WriteBehind, type Db } from '../../../../runtime/db/index.ts';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('work port', () => {
  let system: ActorSystem | undefined;
  let db: Db | undefined;
  afterEach(async () => {
    if (system) stopActor(system);
    system = undefined;
    await db?.destroy();
    db = undefined;
  });

  it('counts a service message until its handler has finished, including its awaits', async () => {
    system = startActorSystem('work-port-test');
    const work = new WorkCounter();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const svc = spawnService(system, 'svc', () => ({ async slow() { await gate; return 7; } }), { work });
    tell(svc, 'slow');
    expect(work.pending()).toBe(1);
    for (let i = 0; i < 5; i++) await turn();
    expect(work.idle()).toBe(false);
    release();
    for (let i = 0; i < 5 && !work.idle(); i++) await turn();
    expect(work.idle()).toBe(true);
    await expect(ask(svc, 'slow')).resolves.toBe(7);
    expect(work.idle()).toBe(true);
  });

  it('ends the count when a handler crashes', async () => {
    system = startActorSystem('work-port-crash');
    const work = new WorkCounter();
    const svc = spawnService(system, 'svc', () => ({ boom(): void { throw new Error('boom'); } }), { work, policy: 'resume' });
    await expect(ask(svc, 'boom')).rejects.toThrow(/crashed: boom/);
    for (let i = 0; i < 5 && !work.idle(); i++) await turn();
    expect(work.pending()).toBe(0);
  });

  it('counts a group commit from scheduling until it is durable, and each connection held', async () => {
    const work = new WorkCounter();
    db = await openDb({ file: ':memory:' }, [{ name: 't', up: (k) => k.schema.createTable('t', (t) => { t.string('id').primary(); t.integer('n'); }) }], { work });
    expect(work.idle()).toBe(true);
    const writer = new WriteBehind(db, { t: { key: ['id'] } });
    writer.upsert('t', { id: 'a', n: 1 });
    expect(work.pending()).toBe(1);
    const seen: number[] = [];
    while (!work.idle()) {
      seen.push(work.pending());
      await turn();
    }
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(2); // the flush and its connection
    expect(await db('t').select('id', 'n')).toEqual([{ id: 'a', n: 1 }]);
    expect(work.idle()).toBe(true);
  });

  it('a discarding database runs no statement and skips its migrations', async () => {
    const work = new WorkCounter();
    let migrated = false;
    db = await openDb({ file: ':memory:', discard: true }, [{ name: 't', up: async () => { migrated = true; } }], { work });
    expect(migrated).toBe(false);
    const writer = new WriteBehind(db, { t: { key: ['id'] } });
    writer.upsert('t', { id: 'a', n: 1 });
    await writer.commit();
    // No table t exists: a real statement would fail; the discarding client answers no rows.
    expect(await db('t').select('*')).toEqual([]);
    expect(await db('t').where({ id: 'a' }).update({ n: 2 })).toBe(1);
    for (let i = 0; i < 5 && !work.idle(); i++) await turn();
    expect(work.idle()).toBe(true);
    await expect(openDb({ file: '/tmp/x.sqlite', discard: true })).rejects.toThrow(/no file or URL/);
  });
});
