/**
 * The cell's Migration records (Nova's `migrations` table): held in memory by the conductor and
 * written through the group-commit writer, like instances. Ids are Nova's integer ids, growing per cell.
 */
import type { Knex } from 'knex';
import type { Clock } from '../../runtime/clock/index.ts';
import type { Db, Migration as SchemaMigration, WriteBehind } from '../../runtime/db/index.ts';
import type { RandomStream } from '../../runtime/rng/index.ts';
import { migrationInProgress, migrationMatches, migrationSchema, type Migration, type MigrationFilter } from '../objects/index.ts';

export const MIGRATIONS_TABLE = 'migrations';

export const migrationsTableMigration: SchemaMigration = {
  name: '020_migrations',
  async up(db: Knex) {
    await db.schema.createTable(MIGRATIONS_TABLE, (t) => {
      t.integer('id').primary();
      t.string('uuid', 36).notNullable().unique();
      t.string('instance_uuid', 36).notNullable().index();
      t.text('record').notNullable();
      t.bigInteger('updated_at');
    });
  },
};

export class MigrationStore {
  private readonly byId = new Map<number, Migration>();
  private nextId = 1;

  constructor(
    private readonly writer: WriteBehind,
    private readonly clock: Clock,
    private readonly rng: RandomStream,
  ) {}

  async load(db: Db): Promise<void> {
    for (const r of await db(MIGRATIONS_TABLE).select()) {
      const m = migrationSchema.parse(JSON.parse(String(r.record)));
      this.byId.set(m.id, m);
      this.nextId = Math.max(this.nextId, m.id + 1);
    }
  }

  /** A new record; `uuid` given: the copy of another cell's record (a cross-cell move). */
  create(fields: Omit<Migration, 'id' | 'uuid' | 'createdAt' | 'updatedAt' | 'memoryTotalBytes' | 'memoryProcessedBytes'
    | 'memoryRemainingBytes' | 'diskTotalBytes' | 'diskProcessedBytes' | 'diskRemainingBytes'>, uuid?: string): Migration {
    const m: Migration = {
      ...fields, id: this.nextId++, uuid: uuid ?? this.rng.uuid4(), createdAt: this.clock.now(), updatedAt: null,
      memoryTotalBytes: null, memoryProcessedBytes: null, memoryRemainingBytes: null,
      diskTotalBytes: null, diskProcessedBytes: null, diskRemainingBytes: null,
    };
    this.byId.set(m.id, m);
    this.write(m);
    return m;
  }

  update(id: number, patch: Partial<Migration>): Migration | undefined {
    const m = this.byId.get(id);
    if (!m) return undefined;
    const next = { ...m, ...patch, updatedAt: this.clock.now() };
    this.byId.set(id, next);
    this.write(next);
    return next;
  }

  get(id: number): Migration | undefined {
    return this.byId.get(id);
  }

  list(filter: MigrationFilter = {}): Migration[] {
    return [...this.byId.values()].filter((m) => migrationMatches(m, filter));
  }

  /** The move of this instance still under way (at most one, as Nova's task states allow). */
  inProgressFor(instanceUuid: string): Migration | undefined {
    let found: Migration | undefined;
    for (const m of this.byId.values()) if (m.instanceUuid === instanceUuid && migrationInProgress(m)) found = m;
    return found;
  }

  private write(m: Migration): void {
    this.writer.upsert(MIGRATIONS_TABLE, { id: m.id, uuid: m.uuid, instance_uuid: m.instanceUuid, record: JSON.stringify(m), updated_at: m.updatedAt });
  }
}
