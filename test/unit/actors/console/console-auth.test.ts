/** ConsoleAuthToken on the injected clock: issue, multi-use validation, expiry, purges; only hashes stored. */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { openDb, type Db } from '../../../../runtime/db/index.ts';
import { ConsoleAuthStore, consoleAuthMigration, CONSOLE_AUTH_TABLE } from '../../../../actors/console/console-auth-store.ts';
import { hashConsoleToken, newConsoleToken, type IssuedConsole } from '../../../../actors/console/console-auth-token.ts';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let db: Db | undefined;

afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

async function makeStore(ttl = 600) {
  const clock = new VirtualClock();
  db = await openDb({ file: ':memory:' }, [consoleAuthMigration]);
  return { clock, store: new ConsoleAuthStore(db, clock, ttl), db };
}

function issued(token: string, instanceUuid = 'i-1'): IssuedConsole {
  return { token, connect: { instanceUuid, consoleType: 'novnc', host: '127.0.0.1', port: 5901, internalAccessPath: null, computeHost: 'c1' } };
}

let seq = 0;
function token(): string {
  seq++;
  return newConsoleToken(Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + seq * 11) & 0xff));
}

describe('console auth tokens', () => {
  it('are uuid4s from 16 random bytes and are stored only as sha256', async () => {
    const { store, db } = await makeStore();
    const t = token();
    expect(t).toMatch(UUID4);
    expect(() => newConsoleToken(new Uint8Array(8))).toThrow(/16 random bytes/);
    await store.authorize(issued(t));
    const rows = await db(CONSOLE_AUTH_TABLE).select();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(hashConsoleToken(t));
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(t);
  });

  it('validate any number of times until token_ttl has passed, then never again', async () => {
    const { store, clock } = await makeStore(600);
    const t = token();
    const { expires } = await store.authorize(issued(t));
    expect(expires).toBe(clock.now() + 600_000);
    for (let i = 0; i < 4; i++) {
      expect(await store.validate(hashConsoleToken(t))).toMatchObject({ instanceUuid: 'i-1', port: 5901, consoleType: 'novnc', expires });
    }
    await clock.advance(599_999);
    expect(await store.validate(hashConsoleToken(t))).not.toBeNull();
    await clock.advance(1);
    expect(await store.validate(hashConsoleToken(t))).toBeNull();
    expect(await store.count()).toBe(0);
  });

  it('refuse a token never issued, and a near miss of a real one', async () => {
    const { store } = await makeStore();
    const t = token();
    await store.authorize(issued(t));
    expect(await store.validate(hashConsoleToken(token()))).toBeNull();
    expect(await store.validate(hashConsoleToken(t.toUpperCase()))).toBeNull();
  });

  it('purge expired tokens periodically and keep live ones', async () => {
    const { store, clock } = await makeStore(600);
    await store.authorize(issued(token()));
    await clock.advance(300_000);
    const live = token();
    await store.authorize(issued(live));
    await clock.advance(300_000);
    expect(await store.purgeExpired()).toBe(1);
    expect(await store.count()).toBe(1);
    expect(await store.validate(hashConsoleToken(live))).not.toBeNull();
  });

  it("purge an instance's tokens when it is deleted or moves, and only its own", async () => {
    const { store } = await makeStore();
    const a1 = token();
    const a2 = token();
    const b = token();
    await store.authorize(issued(a1, 'a'));
    await store.authorize(issued(a2, 'a'));
    await store.authorize(issued(b, 'b'));
    expect(await store.purgeForInstance('a')).toBe(2);
    expect(await store.validate(hashConsoleToken(a1))).toBeNull();
    expect(await store.validate(hashConsoleToken(b))).toMatchObject({ instanceUuid: 'b' });
  });

  it('cost no query once a purge left none, until the next token is authorized', async () => {
    const { store, clock, db } = await makeStore(600);
    let queries = 0;
    db.on('query', () => queries++);
    await store.authorize(issued(token(), 'a'));
    await clock.advance(600_000);
    expect(await store.purgeExpired()).toBe(1); // a delete and the emptiness check
    queries = 0;
    expect(await store.purgeExpired()).toBe(0);
    expect(await store.purgeForInstance('a')).toBe(0);
    expect(queries).toBe(0);
    const again = token();
    await store.authorize(issued(again, 'b'));
    expect(await store.purgeForInstance('b')).toBe(1);
    expect(await store.validate(hashConsoleToken(again))).toBeNull();
  });
});
