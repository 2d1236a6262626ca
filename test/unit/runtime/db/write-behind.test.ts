/** The group-commit writer: merges, ordering of upserts and deletes within a batch, durability of commit(). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import sqlite3 from 'sqlite3';
import { openDb, WriteBehind, type Db } from '../../../../runtime/db/index.ts';

let db: Db | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await db?.destroy();
  db = undefined;
});

async function setup() {
  db = await openDb({ file: ':memory:' }, [{
    name: '001', async up(k) {
      await k.schema.createTable('t', (t) => { t.string('id').primary(); t.integer('v'); t.boolean('flag'); });
      await k.schema.createTable('log', (t) => { t.increments('n'); t.string('msg'); });
    },
  }]);
  return new WriteBehind(db, { t: { key: ['id'] }, log: { key: ['n'] } });
}

describe('WriteBehind', () => {
  it('on a discarding database queues nothing: no flush is scheduled, no lazy row is built, commit() resolves at once', async () => {
    const { VirtualClock } = await import('../../../../runtime/clock/index.ts');
    const clock = new VirtualClock();
    db = await openDb({ file: ':memory:', discard: true }, [], { work: clock.work });
    const w = new WriteBehind(db, { t: { key: ['id'] } });
    let built = 0;
    w.upsert('t', { id: 'a', v: 1 });
    w.upsertLazy('t', { id: 'b' }, () => ({ id: 'b', v: built++ }));
    w.insert('t', { id: 'c', v: 2 });
    w.delete('t', { id: 'a' });
    // A scheduled flush would be open work on the clock's port until it ran.
    expect(clock.work.pending()).toBe(0);
    let resolved = false;
    void w.commit().then(() => (resolved = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(true);
    expect(built).toBe(0);
    expect(clock.work.pending()).toBe(0);
  });

  it('writes everything queued before commit() resolves, merging upserts of the same key', async () => {
    const w = await setup();
    for (let i = 0; i < 1000; i++) w.upsert('t', { id: `k${i % 10}`, v: i, flag: i % 2 === 0 });
    w.insert('log', { msg: 'a' });
    await w.commit();
    const rows = await db!('t').orderBy('id');
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({ id: 'k0', v: 990, flag: 1 });
    expect(await db!('log').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('keeps a row upserted after a delete in the same batch, and drops one deleted after its upsert', async () => {
    const w = await setup();
    w.upsert('t', { id: 'a', v: 1, flag: false });
    await w.commit();
    w.delete('t', { id: 'a' });
    w.upsert('t', { id: 'a', v: 2, flag: true });
    w.upsert('t', { id: 'b', v: 3, flag: true });
    w.delete('t', { id: 'b' });
    await w.commit();
    expect(await db!('t').select('id', 'v')).toEqual([{ id: 'a', v: 2 }]);
  });

  it('builds a lazy row once per batch, from the state at the time of the write', async () => {
    const w = await setup();
    const state = { v: 1 };
    let built = 0;
    const build = () => { built++; return { id: 'lazy', v: state.v, flag: true }; };
    w.upsertLazy('t', { id: 'lazy' }, build);
    state.v = 2;
    w.upsertLazy('t', { id: 'lazy' }, build);
    state.v = 3;
    await w.commit();
    expect(built).toBe(1);
    expect(await db!('t').where({ id: 'lazy' }).first()).toEqual({ id: 'lazy', v: 3, flag: 1 });
    // A delete queued after it in the same batch drops it.
    w.upsertLazy('t', { id: 'gone' }, build);
    w.delete('t', { id: 'gone' });
    await w.commit();
    expect(await db!('t').where({ id: 'gone' }).first()).toBeUndefined();
  });

  it('writes more rows than one statement may bind', async () => {
    const w = await setup();
    for (let i = 0; i < 20_000; i++) w.upsert('t', { id: `r${i}`, v: i, flag: true });
    await w.commit();
    expect(await db!('t').count({ n: '*' })).toEqual([{ n: 20_000 }]);
  });

  it('deletes by key in one statement per chunk, others one by one, and only what was asked', async () => {
    const w = await setup();
    for (let i = 0; i < 30_000; i++) w.upsert('t', { id: `r${i}`, v: i % 100, flag: true });
    await w.commit();
    // Every statement the driver runs, whether knex or the writer hands it over.
    const deletes: string[] = [];
    for (const m of ['run', 'all'] as const) {
      const orig = sqlite3.Database.prototype[m];
      vi.spyOn(sqlite3.Database.prototype, m).mockImplementation(function (this: sqlite3.Database, sql: string, ...rest: unknown[]) {
        if (/^delete/i.test(sql)) deletes.push(sql);
        return Reflect.apply(orig, this, [sql, ...rest]) as sqlite3.Database;
      });
    }
    // Two rows in three by key (more keys than one statement may bind), and the rows with v = 1 by value.
    for (let i = 0; i < 30_000; i++) if (i % 3 !== 2) w.delete('t', { id: `r${i}` });
    w.delete('t', { v: 1 });
    // A key deleted and then written again in the same batch stays.
    w.upsert('t', { id: 'r3', v: 33, flag: false });
    await w.commit();
    expect(deletes.filter((sql) => / in \(/.test(sql))).toHaveLength(2);
    expect(deletes).toHaveLength(3);
    const left = new Map((await db!('t').select('id', 'v')).map((r: { id: string; v: number }) => [r.id, r.v]));
    for (let i = 0; i < 30_000; i++) {
      const gone = (i % 3 !== 2 && i !== 3) || i % 100 === 1;
      expect(left.has(`r${i}`), `r${i}`).toBe(!gone);
    }
    expect(left.get('r3')).toBe(33);
  });

  it('rejects commit() when the transaction fails, and reports the error', async () => {
    const errors: unknown[] = [];
    const w0 = await setup();
    await w0.close();
    const w = new WriteBehind(db!, { t: { key: ['id'] } }, (e) => errors.push(e));
    w.upsert('t', { id: 'x', nope: 1 });
    await expect(w.commit()).rejects.toThrow(/nope/);
    expect(errors).toHaveLength(1);
  });
});
