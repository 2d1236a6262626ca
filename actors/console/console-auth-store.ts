/**
 * The leaf cell's console_auth_tokens table, used only by the conductor (the one holder of the cell
 * database). authorize() stores a freshly issued token's hash and expiry; validate() finds a token by
 * hash and refuses it once expired (deleting it then); purgeExpired() is the periodic clean-up
 * (Nova's _cleanup_expired_console_auth_tokens) and purgeForInstance() runs when an instance is
 * deleted or leaves its host. Time comes from the injected Clock.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Clock } from '../../runtime/clock/index.ts';
import type { Db, Migration } from '../../runtime/db/index.ts';
import type { ConnectInfo, ConsoleAuthRecord, IssuedConsole } from './console-auth-token.ts';
import { consoleTypeSchema, hashConsoleToken } from './console-auth-token.ts';

export const CONSOLE_AUTH_TABLE = 'console_auth_tokens';

/** Appended to the cell database's migrations. */
export const consoleAuthMigration: Migration = {
  name: '012_console_auth_tokens',
  async up(db: Knex) {
    await db.schema.createTable(CONSOLE_AUTH_TABLE, (t) => {
      t.string('token_hash', 64).primary();
      t.string('console_type').notNullable();
      t.string('host').notNullable();
      t.integer('port').notNullable();
      t.string('internal_access_path');
      t.string('instance_uuid', 36).notNullable().index();
      t.string('compute_host').notNullable();
      t.bigInteger('expires').notNullable().index();
      t.bigInteger('created_at').notNullable();
    });
  },
};

const rowSchema = z.object({
  token_hash: z.string(),
  console_type: consoleTypeSchema,
  host: z.string(),
  port: z.number(),
  internal_access_path: z.string().nullable(),
  instance_uuid: z.string(),
  compute_host: z.string(),
  expires: z.union([z.number(), z.string()]),
  created_at: z.union([z.number(), z.string()]),
});
type Row = z.infer<typeof rowSchema>;

function fromRow(r: Row): ConsoleAuthRecord {
  return {
    tokenHash: r.token_hash, consoleType: r.console_type, host: r.host, port: r.port,
    internalAccessPath: r.internal_access_path, instanceUuid: r.instance_uuid, computeHost: r.compute_host,
    expires: Number(r.expires), createdAt: Number(r.created_at),
  };
}

export class ConsoleAuthStore {
  /**
   * Whether the table may hold a token: true at start (tokens from before a restart) and after each
   * authorize(); false once a purge left none. Most cells never issue a console, so their periodic
   * purge and the purge at each instance's deletion cost no query.
   */
  private mayHoldTokens = true;
  /** Tokens authorized so far, so a purge's emptiness check ignores one authorized meanwhile. */
  private issued = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** `[consoleauth] token_ttl` in seconds. */
    private readonly ttlSeconds: number,
  ) {}

  /** Store an issued token (only its hash); returns when it expires. */
  async authorize(issued: IssuedConsole): Promise<{ expires: number }> {
    const now = this.clock.now();
    const expires = now + this.ttlSeconds * 1000;
    const c = issued.connect;
    this.mayHoldTokens = true;
    this.issued++;
    await this.db(CONSOLE_AUTH_TABLE).insert({
      token_hash: hashConsoleToken(issued.token), console_type: c.consoleType, host: c.host, port: c.port,
      internal_access_path: c.internalAccessPath, instance_uuid: c.instanceUuid, compute_host: c.computeHost,
      expires, created_at: now,
    });
    return { expires };
  }

  /** The token's connection details, or null when unknown or expired (an expired row is removed). */
  async validate(tokenHash: string): Promise<ConnectInfo | null> {
    const row = rowSchema.optional().parse(await this.db(CONSOLE_AUTH_TABLE).where({ token_hash: tokenHash }).first());
    if (!row) return null;
    const rec = fromRow(row);
    if (rec.expires <= this.clock.now()) {
      await this.db(CONSOLE_AUTH_TABLE).where({ token_hash: tokenHash }).delete();
      return null;
    }
    const { tokenHash: _h, createdAt: _c, ...info } = rec;
    return info;
  }

  /** Remove every expired token; returns how many. */
  async purgeExpired(): Promise<number> {
    if (!this.mayHoldTokens) return 0;
    const issuedBefore = this.issued;
    const n = await this.db(CONSOLE_AUTH_TABLE).where('expires', '<=', this.clock.now()).delete();
    // Empty, and nothing authorized since the purge began: no query until the next authorize().
    if ((await this.count()) === 0 && this.issued === issuedBefore) this.mayHoldTokens = false;
    return n;
  }

  /** Remove an instance's tokens (deleted, or moved to another host); returns how many. */
  async purgeForInstance(instanceUuid: string): Promise<number> {
    if (!this.mayHoldTokens) return 0;
    return this.db(CONSOLE_AUTH_TABLE).where({ instance_uuid: instanceUuid }).delete();
  }

  async count(): Promise<number> {
    const r = await this.db(CONSOLE_AUTH_TABLE).count({ n: '*' }).first();
    return Number(r?.n ?? 0);
  }
}
