/**
 * Database connections: knex over sqlite3 (one file per cell, WAL) by default, PostgreSQL by URL.
 * Migrations are code (a list of {name, up}), run at open so every cell's schema is current.
 * SQLite files are created 0600 in a 0700 directory (private-file.ts). A `discard` database (the
 * simulator's) runs nothing (discard.ts); a work port counts the connections held, so a virtual clock
 * waits for statements in flight.
 */
import knexFactory, { type Knex } from 'knex';
import { dirname } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from './private-file.ts';
import { DiscardingClient, markDiscarding } from './discard.ts';
import type { WorkPort } from '../clock/work.ts';

export type Db = Knex;

export interface DbConfig {
  /** SQLite file path (":memory:" for a throwaway database). */
  file?: string;
  /** A database URL (postgres://...) instead of a file. */
  url?: string;
  /**
   * Run no statement at all (queries answer no rows, writes one changed row) and skip the migrations:
   * a simulated cell's database, written and never read back. Only with `:memory:`.
   */
  discard?: boolean;
}

export interface DbPorts {
  /** Counts each connection from request to release as work in flight (a virtual clock's work port). */
  work?: WorkPort;
}

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

export async function openDb(cfg: DbConfig, migrations: readonly Migration[] = [], ports: DbPorts = {}): Promise<Db> {
  let db: Knex;
  if (cfg.discard) {
    if (cfg.url || (cfg.file ?? ':memory:') !== ':memory:') throw new Error('a discarding database has no file or URL');
    db = knexFactory({ client: DiscardingClient as unknown as typeof knexFactory.Client, connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    markDiscarding(db);
    countConnections(db, ports.work);
    return db;
  }
  if (cfg.url) {
    db = knexFactory({ client: 'pg', connection: cfg.url, pool: { min: 1, max: 4 } });
  } else {
    const file = cfg.file ?? ':memory:';
    if (file !== ':memory:') {
      ensurePrivateDir(dirname(file));
      ensurePrivateFile(file);
    }
    db = knexFactory({
      client: 'sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      // One connection: SQLite serialises writers anyway, and ":memory:" must stay one database.
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: { run: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) => {
          const pragmas = ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL', 'PRAGMA foreign_keys = ON', 'PRAGMA busy_timeout = 5000'];
          const next = (i: number): void => {
            if (i === pragmas.length) return done(null, conn);
            conn.run(pragmas[i]!, (err) => (err ? done(err, conn) : next(i + 1)));
          };
          next(0);
        },
      },
    });
  }
  countConnections(db, ports.work);
  if (migrations.length > 0) {
    await db.migrate.latest({
      migrationSource: {
        getMigrations: async () => [...migrations],
        getMigrationName: (m: Migration) => m.name,
        getMigration: async (m: Migration) => ({ up: m.up, down: m.down ?? (async () => undefined) }),
      },
    });
  }
  return db;
}

const workPorts = new WeakMap<Knex, WorkPort>();

/** The work port `db` was opened with (its group-commit writer counts its flushes there too). */
export function workPortOf(db: Knex): WorkPort | undefined {
  return workPorts.get(db);
}

/** Each connection requested from knex's pool (tarn) is work until released or refused. */
function countConnections(db: Knex, work: WorkPort | undefined): void {
  if (!work) return;
  workPorts.set(db, work);
  const client: unknown = db.client;
  const pool = typeof client === 'object' && client !== null && 'pool' in client ? client.pool : undefined;
  if (!isEmitter(pool)) throw new Error('knex created no connection pool to count');
  pool.on('acquireRequest', () => work.begin());
  pool.on('acquireFail', () => work.end());
  pool.on('release', () => work.end());
}

/** knex's pool (tarn) emits its events through `on`. */
function isEmitter(x: unknown): x is { on(event: string, fn: () => void): void } {
  return typeof x === 'object' && x !== null && 'on' in x && typeof x.on === 'function';
}
