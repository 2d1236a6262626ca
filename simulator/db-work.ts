/**
 * Database work as the engine sees it: sqlite3 statements in flight are counted (the clock must not move
 * while one runs), and during a run the writes of `:memory:` cell databases can be skipped altogether.
 * Both hook the sqlite3 module and the group-commit writer from outside, for the simulator's process only.
 */
import { createRequire } from 'node:module';
import { WriteBehind } from '../runtime/db/index.ts';

type Callback = (...args: unknown[]) => void;
type Method = (this: unknown, ...args: unknown[]) => unknown;

let dbInflight = 0;
let installed = false;
let discarding = false;

/**
 * While on, statements on `:memory:` databases are answered at once without running: an empty result
 * for queries, one changed row for writes. A simulated cell never restarts, so its database is only
 * written, never read back; the conductor's in-memory state is what the run uses. Turn it on after the
 * cells have started (migrations and loads run for real) and off when the run ends.
 */
export function discardMemoryDatabases(on: boolean): void {
  discarding = on;
  if (on) {
    skipGroupCommits();
    skipMigrations();
  }
}

type KnexLike = { client?: { config?: { connection?: { filename?: string } } } };

/**
 * A `:memory:` database opened while discarding has nothing to migrate: its statements would not run,
 * and its reads find nothing whether its tables exist or not. Skipping knex's migrator saves each cell
 * some thirty statements, and the wait on SQLite's worker threads for each, at start-up.
 */
function skipMigrations(): void {
  const Migrator = createRequire(import.meta.url)('knex/lib/migrations/migrate/Migrator.js') as {
    Migrator: { prototype: Record<string, Method> & { __simPatched?: boolean } };
  };
  const proto = Migrator.Migrator.prototype;
  if (proto.__simPatched) return;
  proto.__simPatched = true;
  const latest = proto.latest!;
  proto.latest = function (this: unknown, ...args: unknown[]) {
    if (discarding && (this as { knex?: KnexLike }).knex?.client?.config?.connection?.filename === ':memory:') return Promise.resolve([0, []]);
    return latest.apply(this, args);
  };
}

type Writer = { db?: KnexLike };

/**
 * The group-commit writer of a `:memory:` database skips building SQL and transactions while
 * discarding: most of a simulated cell's database cost is knex assembling statements, not SQLite.
 */
function skipGroupCommits(): void {
  const proto = WriteBehind.prototype as unknown as Record<string, Method> & { __simPatched?: boolean };
  if (proto.__simPatched) return;
  proto.__simPatched = true;
  const write = proto.write!;
  proto.write = function (this: unknown, ...args: unknown[]) {
    if (discarding && (this as Writer).db?.client?.config?.connection?.filename === ':memory:') return Promise.resolve();
    return write.apply(this, args);
  };
}

/** Count sqlite3 statements in flight (knex calls Database#run/all/get/exec with a callback). */
export function trackDatabaseWork(): void {
  if (installed) return;
  installed = true;
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: { prototype: Record<string, Method> } };
  const proto = sqlite3.Database.prototype;
  for (const name of ['run', 'all', 'get', 'exec', 'each']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const cb = args[last];
      if (discarding && typeof cb === 'function' && (this as { filename?: string }).filename === ':memory:') {
        const result = name === 'all' ? [] : undefined;
        queueMicrotask(() => (cb as Callback).call({ lastID: 0, changes: 1 }, null, result));
        return this;
      }
      if (typeof cb === 'function') {
        dbInflight++;
        let done = false;
        args[last] = function (this: unknown, ...cbArgs: unknown[]) {
          if (!done) {
            done = true;
            dbInflight--;
          }
          return (cb as Callback).apply(this, cbArgs);
        };
      }
      return original.apply(this, args);
    };
  }
}

/** sqlite3 statements started and not yet called back. */
export function databaseStatementsInFlight(): number {
  return dbInflight;
}
