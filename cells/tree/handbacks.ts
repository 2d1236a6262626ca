/**
 * Hand-backs kept until they are someone else's: a build a subtree could not place travels up as a
 * call, not a cast. The sender writes it (`out`) in the same commit that lets go of the build, and
 * sends it again every HANDBACK_RESEND_MS until its parent answers; the parent writes what it took
 * (`in`) together with forgetting the child's route before it answers, and drops it only when the
 * build went to a sibling, on up (its own `out`), or was buried. So a cell killed at any point of a
 * hand-back, sender or receiver, finds it in its database on restart: nothing is lost, and a re-sent
 * hand-back the parent already took is answered without acting twice (its route no longer names the
 * sender). One table in both kinds of cell database (leaf and tree).
 */
import type { Knex } from 'knex';
import type { Db, Migration, WriteBehind } from '../../runtime/db/index.ts';
import { z } from 'zod';
import type { CellBuildHandbackBody } from '../messages.ts';

export const HANDBACK_RESEND_MS = 5_000;

export const handbackMigration: Migration = {
  name: '020_cell_handbacks',
  async up(db: Knex) {
    await db.schema.createTable('cell_handbacks', (t) => {
      t.string('key').primary();
      t.string('direction', 3).notNullable();
      t.text('body').notNullable();
      t.bigInteger('created_at').notNullable();
    });
  },
};

export const handbackTables = { cell_handbacks: { key: ['key'] } };

const directionSchema = z.enum(['out', 'in']);
export type HandbackDirection = z.infer<typeof directionSchema>;

export class HandbackStore {
  private readonly entries = new Map<string, { direction: HandbackDirection; body: CellBuildHandbackBody }>();

  constructor(private readonly writer: WriteBehind) {}

  async load(db: Db): Promise<void> {
    for (const r of await db('cell_handbacks').select()) {
      // The body is this store's own JSON (put() wrote it from a validated hand-back): read back as written.
      this.entries.set(r.key, { direction: directionSchema.parse(r.direction), body: JSON.parse(r.body) as CellBuildHandbackBody });
    }
  }

  /** Keep a hand-back (written with the writer's next commit); returns its key. */
  put(direction: HandbackDirection, body: CellBuildHandbackBody, now: number): string {
    const key = `${direction}:${body.build.instances[0]!.uuid}`;
    this.entries.set(key, { direction, body });
    this.writer.upsert('cell_handbacks', { key, direction, body: JSON.stringify(body), created_at: now });
    return key;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): CellBuildHandbackBody | undefined {
    return this.entries.get(key)?.body;
  }

  remove(key: string): void {
    if (this.entries.delete(key)) this.writer.delete('cell_handbacks', { key });
  }

  /** Make what was put or removed durable (the writer's group commit). */
  commit(): Promise<void> {
    return this.writer.commit();
  }

  keys(direction: HandbackDirection): string[] {
    return [...this.entries].filter(([, e]) => e.direction === direction).map(([k]) => k);
  }
}
