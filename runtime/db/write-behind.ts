/**
 * Group commit for hot paths. Writers queue row upserts, inserts and deletes; one transaction at a time
 * writes everything queued so far as multi-row statements (SQLite does ~100k rows/s this way, against
 * ~10k rows/s for awaited single-row writes). `commit()` resolves when everything queued before it is
 * durable, so "write before send" costs one shared transaction instead of one per request.
 */
import type { Knex } from 'knex';
import type { WorkPort } from '../clock/work.ts';
import { workPortOf } from './connect.ts';
import { discards } from './discard.ts';

type Row = Record<string, unknown>;
/** A row, or a function that builds it when the batch is written (never, on a discarding database). */
type PendingRow = Row | (() => Row);

const rowOf = (r: PendingRow): Row => (typeof r === 'function' ? r() : r);

interface TableSpec {
  /** Primary key column(s) used for upserts and deletes. */
  key: string[];
}

/** A table's queued deletes: by the table's key (the usual case, one lookup per later upsert), or by other columns. */
interface Deletes {
  byKey: Map<string, Row>;
  other: Row[];
}

interface Pending {
  upserts: Map<string, Map<string, PendingRow>>;
  inserts: Map<string, Row[]>;
  deletes: Map<string, Deletes>;
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

function emptyPending(): Pending {
  return { upserts: new Map(), inserts: new Map(), deletes: new Map(), waiters: [] };
}

/** SQLite allows 32766 bound variables per statement (PostgreSQL 65535); stay well below. */
const MAX_VARS = 16000;

export class WriteBehind {
  private pending = emptyPending();
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  /** SQLite has no boolean type (0/1); PostgreSQL's boolean columns want true/false. */
  private readonly booleansAsInts: boolean;
  /**
   * SQLite: the batch's statements go to the driver's connection as they are, inside knex's
   * transaction. Through knex each multi-row statement had its every `?` scanned and every value
   * checked again (5–6 % of a cell's main thread in a burst); PostgreSQL's `$n` placeholders need knex.
   */
  private readonly toDriver: boolean;
  /**
   * A discarding database (the simulator's): nothing is queued, so no flush is ever scheduled and
   * `commit()` resolves at once (there is nothing to wait for).
   */
  private readonly discard: boolean;
  /** A scheduled flush is work until it has committed (virtual clocks wait for it). */
  private readonly work: WorkPort | undefined;

  constructor(
    private readonly db: Knex,
    private readonly tables: Record<string, TableSpec>,
    private readonly onError: (err: unknown) => void = () => undefined,
    /** Wraps each transaction (metrics time it); default: run it as is. */
    private readonly timeCommit: <T>(run: () => Promise<T>) => Promise<T> = (run) => run(),
  ) {
    this.booleansAsInts = !/^(pg|postgres|postgresql)$/.test(String(db.client.config.client));
    this.toDriver = db.client.config.client === 'sqlite3';
    this.discard = discards(db);
    this.work = workPortOf(db);
  }

  /** Insert or replace a whole row (keyed by the table's key); later upserts of the same key win. */
  upsert(table: string, row: Row): void {
    this.queueUpsert(table, row, row);
  }

  /**
   * Upsert a row built only when its batch is written: of several upserts of one key in a batch, only
   * the last is ever built, and a discarding database builds none. `keyRow` holds the key column(s)
   * (and any column a delete in the same batch may match on); `build` must return the row as it
   * should be stored at that moment.
   */
  upsertLazy(table: string, keyRow: Row, build: () => Row): void {
    this.queueUpsert(table, keyRow, build);
  }

  private queueUpsert(table: string, keyRow: Row, row: PendingRow): void {
    if (this.discard) return;
    const key = this.keyOf(table, keyRow);
    // A delete queued earlier in this batch must not remove the row written after it (deletes run last).
    const dels = this.pending.deletes.get(table);
    if (dels) {
      dels.byKey.delete(key);
      if (dels.other.some((w) => matches(w, keyRow))) dels.other = dels.other.filter((w) => !matches(w, keyRow));
    }
    let m = this.pending.upserts.get(table);
    if (!m) this.pending.upserts.set(table, (m = new Map()));
    m.set(key, row);
    this.schedule();
  }

  /** Append a row (never merged). */
  insert(table: string, row: Row): void {
    if (this.discard) return;
    let a = this.pending.inserts.get(table);
    if (!a) this.pending.inserts.set(table, (a = []));
    a.push(row);
    this.schedule();
  }

  /** Delete rows matching `where` (column equality). Runs after this batch's upserts and inserts. */
  delete(table: string, where: Row): void {
    if (this.discard) return;
    // An upsert queued earlier in this batch is simply dropped.
    const ups = this.pending.upserts.get(table);
    const byKey = this.isKeyOf(table, where);
    if (ups) {
      // By key (the usual case): one lookup, no lazy row built; otherwise every queued row is matched.
      if (byKey) ups.delete(this.keyOf(table, where));
      else for (const [k, row] of ups) if (matches(where, rowOf(row))) ups.delete(k);
    }
    let d = this.pending.deletes.get(table);
    if (!d) this.pending.deletes.set(table, (d = { byKey: new Map(), other: [] }));
    if (byKey) d.byKey.set(this.keyOf(table, where), where);
    else d.other.push(where);
    this.schedule();
  }

  /** Resolves when everything queued so far is committed (rejects if that transaction failed). */
  commit(): Promise<void> {
    if (this.isEmpty(this.pending)) return this.flushing ?? Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Flush everything and stop accepting scheduled flushes. */
  async close(): Promise<void> {
    await this.commit();
    if (this.flushing) await this.flushing;
    this.closed = true;
  }

  private keyOf(table: string, row: Row): string {
    const spec = this.tables[table];
    if (!spec) throw new Error(`write-behind: unknown table ${table}`);
    return spec.key.length === 1 ? String(row[spec.key[0]!]) : spec.key.map((k) => String(row[k])).join('\u0000');
  }

  /** Whether `where` names exactly the table's key columns. */
  private isKeyOf(table: string, where: Row): boolean {
    const key = this.tables[table]?.key;
    if (!key) return false;
    let n = 0;
    for (const c in where) if (!key.includes(c) || ++n > key.length) return false;
    return n === key.length;
  }

  private isEmpty(p: Pending): boolean {
    return p.upserts.size === 0 && p.inserts.size === 0 && p.deletes.size === 0 && p.waiters.length === 0;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.closed) return;
    this.scheduled = true;
    this.work?.begin();
    // setImmediate, not a timer: coalesce what this turn of the event loop queued, wait for no clock.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush().finally(() => this.work?.end());
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.isEmpty(this.pending)) return;
    const batch = this.pending;
    this.pending = emptyPending();
    this.flushing = this.write(batch).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (err) => {
        this.onError(err);
        batch.waiters.forEach((w) => w.reject(err));
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
      if (!this.isEmpty(this.pending)) this.schedule();
    }
  }

  private async write(batch: Pending): Promise<void> {
    // Lazy rows are built now, in the turn that took the batch: the state they capture is the state
    // at the time of the write, never a later one half-applied.
    const upserts = new Map<string, Row[]>();
    for (const [table, rows] of batch.upserts) upserts.set(table, [...rows.values()].map(rowOf));
    await this.timeCommit(() => this.transaction(upserts, batch));
  }

  private async transaction(upserts: Map<string, Row[]>, batch: Pending): Promise<void> {
    await this.db.transaction(async (trx) => {
      const raw = this.toDriver ? onConnection(await trx.client.acquireConnection()) : throughKnex(trx);
      for (const [table, rows] of upserts) {
        const spec = this.tables[table]!;
        for (const chunk of chunks(rows)) await raw(upsertSql(table, spec.key, chunk, this.booleansAsInts));
      }
      for (const [table, rows] of batch.inserts) {
        for (const chunk of chunks(rows)) await raw(upsertSql(table, null, chunk, this.booleansAsInts));
      }
      for (const [table, d] of batch.deletes) {
        // By a one-column key: one statement per chunk of keys (a burst deletes thousands of build
        // requests); anything else (a composite key, a null, other columns) one statement each.
        const key = this.tables[table]!.key;
        const col = key.length === 1 ? key[0]! : undefined;
        const inList: Row[] = [];
        const each: Row[] = [...d.other];
        for (const w of d.byKey.values()) (col !== undefined && w[col] !== null && w[col] !== undefined ? inList : each).push(w);
        for (const chunk of chunks(inList, 1)) await raw(deleteSql(table, col!, chunk, this.booleansAsInts));
        for (const w of each) await trx(table).where(w).delete();
      }
    });
  }
}

function matches(where: Row, row: Row): boolean {
  for (const k in where) if (row[k] !== where[k]) return false;
  return true;
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

/**
 * One multi-row `INSERT ... VALUES (...), (...) ON CONFLICT (key) DO UPDATE` statement (SQLite and
 * PostgreSQL both speak it). Built by hand: knex writes multi-row inserts for SQLite as compound
 * SELECTs, which cost more to build and are capped at 500 rows.
 */
function upsertSql(table: string, key: string[] | null, rows: Row[], booleansAsInts: boolean): [string, unknown[]] {
  const cols = Object.keys(rows[0]!);
  const shape = statementShape(table, key, cols);
  const n = cols.length;
  const bindings: unknown[] = new Array(rows.length * n);
  let i = 0;
  for (const r of rows) {
    for (let j = 0; j < n; j++) {
      const v = r[cols[j]!];
      bindings[i++] = bound(v, booleansAsInts);
    }
  }
  return [`${shape.head}${shape.tuple}${`,${shape.tuple}`.repeat(rows.length - 1)}${shape.tail}`, bindings];
}

/** The fixed parts of a table's upsert for one set of columns: built once, not per batch. */
interface StatementShape {
  head: string;
  tuple: string;
  tail: string;
}
const shapes = new Map<string, StatementShape>();

function statementShape(table: string, key: string[] | null, cols: string[]): StatementShape {
  const id = `${table}\u0000${key?.join('\u0001') ?? ''}\u0000${cols.join('\u0001')}`;
  let shape = shapes.get(id);
  if (!shape) {
    let tail = '';
    if (key) {
      const rest = cols.filter((c) => !key.includes(c));
      tail = ` on conflict (${key.map(q).join(',')}) do ${rest.length ? `update set ${rest.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}` : 'nothing'}`;
    }
    shape = { head: `insert into ${q(table)} (${cols.map(q).join(',')}) values `, tuple: `(${cols.map(() => '?').join(',')})`, tail };
    if (shapes.size < 10_000) shapes.set(id, shape);
  }
  return shape;
}

/** A value as a statement binds it: undefined as NULL, booleans as 0/1 where the database has no boolean. */
function bound(v: unknown, booleansAsInts: boolean): unknown {
  return v === undefined ? null : typeof v === 'boolean' && booleansAsInts ? (v ? 1 : 0) : v;
}

/** `delete from table where col in (?, ...)`: one statement for a chunk of rows keyed by one column. */
function deleteSql(table: string, col: string, wheres: Row[], booleansAsInts: boolean): [string, unknown[]] {
  const bindings = wheres.map((w) => bound(w[col], booleansAsInts));
  return [`delete from ${q(table)} where ${q(col)} in (?${',?'.repeat(bindings.length - 1)})`, bindings];
}

/** Rows in chunks that stay under MAX_VARS bound variables (`cols` per row; default: the first row's). */
function chunks(rows: Row[], cols = Object.keys(rows[0] ?? {}).length || 1): Row[][] {
  if (rows.length === 0) return [];
  const size = Math.max(1, Math.floor(MAX_VARS / cols));
  const out: Row[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

type Statement = [sql: string, bindings: unknown[]];

function throughKnex(trx: Knex.Transaction): (s: Statement) => Promise<unknown> {
  return ([sql, bindings]) => trx.raw(sql, bindings as Knex.RawBinding[]);
}

/** The sqlite3 driver's connection a knex transaction holds. */
interface Sqlite3Connection {
  run(sql: string, bindings: unknown[], done: (err: Error | null) => void): void;
}

function onConnection(conn: Sqlite3Connection): (s: Statement) => Promise<void> {
  return ([sql, bindings]) => new Promise<void>((resolve, reject) => conn.run(sql, bindings, (err) => (err ? reject(err) : resolve())));
}
