/**
 * A database that answers without running anything: the simulator's `database: discard` mode. A
 * simulated cell never restarts, so its database is only written, never read back; skipping the
 * statements (and, in the group-commit writer, building them at all) is most of a large run's database
 * cost. Queries answer no rows and writes one changed row. It is a knex client of its own (knex's
 * documented custom-client option, a subclass of the sqlite3 dialect over a `:memory:` connection), so
 * nothing outside this module changes behaviour.
 */
import { createRequire } from 'node:module';
import type { Knex } from 'knex';

interface QueryObject {
  method?: string;
  returning?: unknown;
  response?: unknown;
  context?: unknown;
}

type ClientClass = new (config: Knex.Config) => { _query(connection: unknown, obj: QueryObject): Promise<QueryObject> };

const Sqlite3Client = createRequire(import.meta.url)('knex/lib/dialects/sqlite3/index.js') as ClientClass;

const WRITES = new Set(['insert', 'update', 'counter', 'del']);

/** The sqlite3 dialect with every statement answered at once: no rows read, one row changed. */
export class DiscardingClient extends Sqlite3Client {
  override _query(_connection: unknown, obj: QueryObject): Promise<QueryObject> {
    obj.response = WRITES.has(obj.method ?? '') && !obj.returning ? undefined : [];
    obj.context = { lastID: 0, changes: 1 };
    return Promise.resolve(obj);
  }
}

const discarding = new WeakSet<object>();

/** Remember that `db` discards its statements (the group-commit writer then skips building them). */
export function markDiscarding(db: Knex): void {
  discarding.add(db);
}

/** True for a database opened with `discard: true`. */
export function discards(db: Knex): boolean {
  return discarding.has(db);
}
