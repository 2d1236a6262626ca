/**
 * Database connections: knex over sqlite3 (one file per cell, WAL) by default, PostgreSQL by URL.
 * Migrations are code (a list of {name, up}), run at open so every cell's schema is current.
 * SQLite files are created 0600 in a 0700 directory (private-file.ts).
 */
import knexFactory, { type Knex } from 'knex';
import { dirname } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from './private-file.ts';

export type Db = Knex;

export interface DbConfig {
  /** SQLite file path (":memory:" for a throwaway database). */
  file?: string;
  /** A database URL (postgres://...) instead of a file. */
  url?: string;
}

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

export async function openDb(cfg: DbConfig, migrations: readonly Migration[] = []): Promise<Db> {
  let db: Knex;
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
