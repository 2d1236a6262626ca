/**
 * The hand-back store: what is put is in the database once committed and read back by a new store
 * (a restarted cell), by direction; what is removed is gone after the next commit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, WriteBehind } from '../../../../runtime/db/index.ts';
import { treeMigrations, treeTables } from '../../../../cells/tree/tree-db.ts';
import { HANDBACK_RESEND_MS, HandbackResender, HandbackStore } from '../../../../cells/tree/handbacks.ts';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import type { CellBuildHandbackBody } from '../../../../cells/messages.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function handback(uuid: string, from: string): CellBuildHandbackBody {
  return { from, reason: 'no host fits', build: { instances: [{ uuid } as never], spec: {} as never, tried: [from], hops: 1 } };
}

async function open(file: string) {
  const db = await openDb({ file }, treeMigrations);
  const writer = new WriteBehind(db, treeTables, (err) => { throw err; });
  const store = new HandbackStore(writer);
  await store.load(db);
  return { db, writer, store };
}

describe('HandbackStore', () => {
  it('keeps hand-backs across a restart until removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handbacks-'));
    dirs.push(dir);
    const file = join(dir, 'api.c1.sqlite');
    const a = await open(file);
    const out = a.store.put('out', handback('u-1', 'api!c1!g1'), 1);
    const taken = a.store.put('in', handback('u-2', 'api!c1!g2'), 2);
    a.store.put('in', handback('u-3', 'api!c1!g2'), 3);
    await a.store.commit();
    a.store.remove(taken);
    // A crash: the writer never commits the removal.
    await a.db.destroy();

    // Removed but never committed: still there after the "crash".
    const b = await open(file);
    expect(b.store.keys('out')).toEqual([out]);
    expect(b.store.keys('in').sort()).toEqual(['in:u-2', 'in:u-3']);
    expect(b.store.get(out)?.from).toBe('api!c1!g1');
    b.store.remove(out);
    b.store.remove('in:u-2');
    await b.store.commit();
    await b.writer.close();
    await b.db.destroy();

    const c = await open(file);
    expect(c.store.keys('out')).toEqual([]);
    expect(c.store.keys('in')).toEqual(['in:u-3']);
    await c.writer.close();
    await c.db.destroy();
  });

  it('resends every HANDBACK_RESEND_MS while something is kept, and keeps no timer otherwise', async () => {
    const { store } = await open(':memory:');
    const clock = new VirtualClock(0);
    const resent: number[] = [];
    const r = new HandbackResender(store, 'out', clock, () => resent.push(clock.now()));
    r.arm();
    expect(clock.pending()).toBe(0); // nothing kept: no timer at all
    const key = store.put('out', handback('u-9', 'api!c1!g1'), 0);
    store.put('in', handback('u-8', 'api!c1!g1'), 0); // the other direction arms nothing more
    expect(clock.pending()).toBe(1);
    await clock.advance(2 * HANDBACK_RESEND_MS);
    expect(resent).toEqual([HANDBACK_RESEND_MS, 2 * HANDBACK_RESEND_MS]);
    store.remove(key);
    await clock.advance(3 * HANDBACK_RESEND_MS);
    expect(resent).toHaveLength(3); // the countdown under way fires once more, then none is set
    expect(clock.pending()).toBe(0);
    r.stop();
  });
});
