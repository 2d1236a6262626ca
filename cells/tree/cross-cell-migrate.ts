/**
 * Cross-cell resize and cold migration, run by the API cell (Nova's superconductor running
 * nova/conductor/tasks/cross_cell_migrate.py). The source leaf tried first and answered that the
 * move must leave it (and the request allowed that: compute:servers:resize:cross_cell); from here the
 * steps go down the tree to the leaves as `cross_cell` requests (actors/conductor/tasks/cross-cell.ts):
 *
 *   prep_dest (TargetDBSetupTask + PrepResizeAtDestTask) in the first leaf that can take it — the
 *   leaf with the requested host, else the leaves with the most free memory first — then, after the
 *   202: stop_source (PrepResizeAtSourceTask), finish_dest, hide_source, show_dest
 *   (FinishResizeAtDestTask): the instance shows VERIFY_RESIZE on its new host and every cell on the
 *   way down routes its updates to the new leaf (parent-role.ts followMove): the mapping follows.
 *   confirm: confirm_source (source guest, allocation and record go), confirm_dest.
 *   revert: revert_dest (hidden, guest and claim gone), revert_source (shown and started again),
 *   purge_dest.
 *
 * Moves under way are kept in the API cell's database (`cross_cell_moves`) so confirm and revert
 * find their two cells after a restart.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { WireContext } from '../../runtime/bus/index.ts';
import type { Db, Migration as SchemaMigration, WriteBehind } from '../../runtime/db/index.ts';
import { BadRequest, errorMessage, InstanceInvalidState, NoValidHost, NovaError } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { CrossCellStepBody } from '../../actors/conductor/messages.ts';
import type { CrossCellSource } from '../../actors/conductor/tasks/cross-cell.ts';
import type { ComputeNodeView } from '../../actors/api/compute-api.ts';
import type { ParentRole } from './parent-role.ts';

export const crossCellMovesMigration: SchemaMigration = {
  name: '030_cross_cell_moves',
  async up(db: Knex) {
    await db.schema.createTable('cross_cell_moves', (t) => {
      t.string('instance_uuid', 36).primary();
      t.string('source_cell').notNullable();
      t.string('target_cell').notNullable();
      t.string('migration_uuid', 36).notNullable();
      t.string('phase', 16).notNullable();
      t.bigInteger('created_at').notNullable();
    });
  },
};
export const crossCellTables = { cross_cell_moves: { key: ['instance_uuid'] } };

/** `prepared`: the target holds a claim; `finished`: VERIFY_RESIZE in the target; `failed`: gave up. */
const phaseSchema = z.enum(['prepared', 'finished', 'failed']);
type Phase = z.infer<typeof phaseSchema>;

/** What the steps answer that the move reads (the leaf's conductor, actors/conductor/tasks/cross-cell.ts). */
const prepDestReply = z.object({ host: z.string(), node: z.string() });
const versionReply = z.object({ version: z.number() });

interface Move {
  uuid: string;
  source: string;
  target: string;
  migrationUuid: string;
  phase: Phase;
}

type Via = { reqId?: string; context?: WireContext };

export interface CrossCellOptions {
  role: ParentRole;
  writer: WriteBehind;
  log: Logger;
  now(): number;
  /** Every leaf's compute nodes, with the leaf's path in `cell`. */
  computeNodes(): Promise<Array<ComputeNodeView & { cell: string }>>;
}

export class CrossCellMigrations {
  private readonly moves = new Map<string, Move>();

  constructor(private readonly o: CrossCellOptions) {}

  async load(db: Db): Promise<void> {
    for (const r of await db('cross_cell_moves').select()) {
      this.moves.set(r.instance_uuid, {
        uuid: r.instance_uuid, source: r.source_cell, target: r.target_cell, migrationUuid: r.migration_uuid, phase: phaseSchema.parse(r.phase),
      });
    }
  }

  /** A cross-cell move of this instance is under way (confirm and revert are this task's). */
  has(uuid: string): boolean {
    return this.moves.has(uuid);
  }

  /**
   * The source leaf gave up on placing it: find a target leaf and claim there (answered before the
   * API's 202, as Nova schedules synchronously), then move the guest in the background.
   */
  async start(src: CrossCellSource, sourceCell: string, via: Via): Promise<void> {
    const uuid = src.instance.uuid;
    let target: { cell: string; host: string; node: string } | undefined;
    let reason = src.reason;
    let cells: string[];
    try {
      cells = await this.targets(src, sourceCell);
    } catch (e) {
      await this.step(sourceCell, { op: 'abort_source', uuid, reason: errorMessage(e) }, via).catch(() => undefined);
      throw e;
    }
    if (cells.length === 0 && src.host !== null) {
      const err = new BadRequest(`Compute host ${src.host} could not be found.`);
      await this.step(sourceCell, { op: 'abort_source', uuid, reason: err.message }, via);
      throw err;
    }
    try {
      for (const cell of cells) {
        try {
          const dest = prepDestReply.parse(
            await this.step(cell, { op: 'prep_dest', uuid, instance: src.instance, migration: src.migration, flavor: src.flavor, host: src.host }, via),
          );
          target = { cell, ...dest };
          break;
        } catch (e) {
          if (!(e instanceof NovaError) || e.code >= 500) throw e;
          reason = e.message;
          this.o.log.info({ instance_uuid: uuid, cell, reason }, `cross-cell move: cell ${cell} cannot take it`);
        }
      }
    } catch (e) {
      await this.step(sourceCell, { op: 'abort_source', uuid, reason: errorMessage(e) }, via).catch(() => undefined);
      throw e;
    }
    if (!target) {
      const err = new BadRequest(reason.startsWith('No valid host') ? reason : new NoValidHost(reason).message);
      await this.step(sourceCell, { op: 'abort_source', uuid, reason: err.message }, via);
      throw err;
    }
    const move: Move = { uuid, source: sourceCell, target: target.cell, migrationUuid: src.migration.uuid, phase: 'prepared' };
    this.save(move);
    await this.o.writer.commit();
    this.o.log.info({ instance_uuid: uuid, source: sourceCell, target: target.cell, dest: target.host }, `cross-cell move: ${sourceCell} → ${target.cell} (${target.host})`);
    void this.move(move, target, via);
  }

  /** PrepResizeAtSourceTask, FinishResizeAtDestTask, and the swap of which copy the tree shows. */
  private async move(m: Move, dest: { host: string; node: string }, via: Via): Promise<void> {
    try {
      await this.step(m.source, { op: 'stop_source', uuid: m.uuid, destHost: dest.host, destNode: dest.node }, via);
      await this.step(m.target, { op: 'finish_dest', uuid: m.uuid }, via);
      const { version } = versionReply.parse(await this.step(m.source, { op: 'hide_source', uuid: m.uuid }, via));
      // Finished before the target shows it: a confirm or revert may follow as soon as the API sees it.
      this.save({ ...m, phase: 'finished' });
      await this.o.writer.commit();
      await this.step(m.target, { op: 'show_dest', uuid: m.uuid, version: version + 1 }, via);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.o.log.warn({ instance_uuid: m.uuid, source: m.source, target: m.target, err: why }, 'cross-cell move failed; rolling back');
      await this.step(m.target, { op: 'abort_dest', uuid: m.uuid }, via).catch(() => undefined);
      await this.step(m.source, { op: 'abort_source', uuid: m.uuid, reason: why }, via).catch(() => undefined);
      this.forget(m.uuid);
      await this.o.writer.commit();
    }
  }

  /** ConfirmResizeTask: the source cell lets go of everything; the target's instance is ACTIVE. */
  async confirm(uuid: string, via: Via): Promise<void> {
    const m = this.finished(uuid, 'confirmResize');
    await this.step(m.source, { op: 'confirm_source', uuid }, via);
    await this.step(m.target, { op: 'confirm_dest', uuid }, via);
    this.forget(uuid);
    await this.o.writer.commit();
  }

  /** RevertResizeTask: back in the source cell, on the source host; the target's copy goes. */
  async revert(uuid: string, via: Via): Promise<void> {
    const m = this.finished(uuid, 'revertResize');
    const { version } = versionReply.parse(await this.step(m.target, { op: 'revert_dest', uuid }, via));
    this.save({ ...m, phase: 'failed' });
    await this.o.writer.commit();
    void (async () => {
      try {
        await this.step(m.source, { op: 'revert_source', uuid, version: version + 1 }, via);
      } catch (e) {
        this.o.log.warn({ instance_uuid: uuid, err: errorMessage(e) }, 'cross-cell revert: the source did not start the guest again');
      }
      await this.step(m.target, { op: 'purge_dest', uuid }, via).catch(() => undefined);
      this.forget(uuid);
      await this.o.writer.commit();
    })();
  }

  private finished(uuid: string, what: string): Move {
    const m = this.moves.get(uuid);
    if (!m || m.phase !== 'finished') throw new InstanceInvalidState(`Cannot '${what}' instance ${uuid} while its cross-cell move is under way`);
    return m;
  }

  /**
   * Leaves to try, best first: the one holding the requested host; else every other leaf, by the
   * most memory free on one of its hosts (each leaf's own scheduler decides whether it fits).
   */
  private async targets(src: CrossCellSource, sourceCell: string): Promise<string[]> {
    const nodes = (await this.o.computeNodes()).filter((n) => n.cell !== sourceCell);
    if (src.host !== null) {
      const n = nodes.find((x) => x.host === src.host);
      return n ? [n.cell] : [];
    }
    const best = new Map<string, number>();
    for (const n of nodes) best.set(n.cell, Math.max(best.get(n.cell) ?? -Infinity, n.memoryMb - n.memoryMbUsed));
    return [...best].sort((a, b) => b[1] - a[1]).map(([cell]) => cell);
  }

  private step(cell: string, body: CrossCellStepBody, via: Via): Promise<unknown> {
    return this.o.role.ask('cross_cell', body, cell, undefined, via);
  }

  private save(m: Move): void {
    this.moves.set(m.uuid, m);
    this.o.writer.upsert('cross_cell_moves', {
      instance_uuid: m.uuid, source_cell: m.source, target_cell: m.target, migration_uuid: m.migrationUuid, phase: m.phase, created_at: this.o.now(),
    });
  }

  private forget(uuid: string): void {
    if (this.moves.delete(uuid)) this.o.writer.delete('cross_cell_moves', { instance_uuid: uuid });
  }
}
