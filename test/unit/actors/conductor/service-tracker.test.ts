/**
 * The conductor's compute node rows across resource tracker reports: each report updates the row
 * (usage, updated_at) but keeps the created_at of the first one — found by the bus fuzzer's long
 * mode, whose before/after state comparison saw created_at move at every report.
 */
import { afterEach, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { MemoryHub } from '../../../../runtime/bus/index.ts';
import { SingleCell } from '../../../../cells/single-cell.ts';
import { runClockUntil } from '../../../../simulator/quiesce.ts';

let cell: SingleCell | undefined;
afterEach(async () => { await cell?.stop(); });

it('keeps a compute node\'s created_at through later reports and moves its updated_at', async () => {
  const clock = new VirtualClock();
  cell = await SingleCell.start({
    name: 'c1', transport: { kind: 'memory', hub: new MemoryHub() }, db: { file: ':memory:' },
    hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100 }],
    clock, rng: new SeededRng('tracker'), config: novaConfig(), log: createLogger({}, 'silent'),
  });
  const ctx = cell.services.ctx;
  const row = async () => {
    await ctx.writer.commit();
    return (await ctx.db('compute_nodes').where({ host: 'h1' }).first()) as { created_at: number; updated_at: number } | undefined;
  };
  // runClockUntil waits for the work each timer sets off (the report's hops, its commit); a plain
  // advance() gives it five event-loop turns, which a loaded machine can outlast (CI, 2026-12-07).
  const advance = (ms: number) => runClockUntil(clock, clock.now() + ms);
  await advance(1000);
  const first = await row();
  expect(first).toBeDefined();
  for (let i = 0; i < 3; i++) await advance(novaConfig().DEFAULT.update_resources_interval * 1000);
  const later = (await row())!;
  expect(Number(later.updated_at)).toBeGreaterThan(Number(first!.updated_at));
  expect(Number(later.created_at)).toBe(Number(first!.created_at));
});
