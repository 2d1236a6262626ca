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
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';

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
  private readonly counts: Record<HandbackDirection, number> = { out: 0, in: 0 };
  private readonly putWatchers: Record<HandbackDirection, Array<() => void>> = { out: [], in: [] };

  constructor(private readonly writer: WriteBehind) {}

  async load(db: Db): Promise<void> {
    for (const r of await db('cell_handbacks').select()) {
      // The body is this store's own JSON (put() wrote it from a validated hand-back): read back as written.
      const direction = directionSchema.parse(r.direction);
      if (!this.entries.has(r.key)) this.counts[direction]++;
      this.entries.set(r.key, { direction, body: JSON.parse(r.body) as CellBuildHandbackBody });
    }
  }

  /** Keep a hand-back (written with the writer's next commit); returns its key. */
  put(direction: HandbackDirection, body: CellBuildHandbackBody, now: number): string {
    const key = `${direction}:${body.build.instances[0]!.uuid}`;
    if (!this.entries.has(key)) this.counts[direction]++;
    this.entries.set(key, { direction, body });
    this.writer.upsert('cell_handbacks', { key, direction, body: JSON.stringify(body), created_at: now });
    for (const w of this.putWatchers[direction]) w();
    return key;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): CellBuildHandbackBody | undefined {
    return this.entries.get(key)?.body;
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.counts[e.direction]--;
    this.writer.delete('cell_handbacks', { key });
  }

  /** How many hand-backs of one direction are kept. */
  count(direction: HandbackDirection): number {
    return this.counts[direction];
  }

  /** Called after each put of one direction. */
  onPut(direction: HandbackDirection, fn: () => void): void {
    this.putWatchers[direction].push(fn);
  }

  /** Make what was put or removed durable (the writer's group commit). */
  commit(): Promise<void> {
    return this.writer.commit();
  }

  keys(direction: HandbackDirection): string[] {
    if (this.counts[direction] === 0) return [];
    return [...this.entries].filter(([, e]) => e.direction === direction).map(([k]) => k);
  }
}

/**
 * Calls `resend` every HANDBACK_RESEND_MS while the store keeps hand-backs of one direction, and keeps
 * no timer while it keeps none: a big tree has thousands of cells, nearly all with nothing kept, and
 * an interval per cell would be most of a long simulation's events.
 */
export class HandbackResender {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly store: HandbackStore,
    private readonly direction: HandbackDirection,
    private readonly clock: Clock,
    private readonly resend: () => void,
  ) {
    store.onPut(direction, () => this.arm());
  }

  /** Start the countdown if something is kept and none runs. */
  arm(): void {
    if (this.timer || this.stopped || this.store.count(this.direction) === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.resend();
      this.arm();
    }, HANDBACK_RESEND_MS);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
