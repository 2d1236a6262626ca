/**
 * `npm run bench`: every bench in bench/ at a size that keeps the whole run to a few minutes, one
 * after another in child processes (each prints its own reference and ratios). `--full` runs them
 * at their default sizes instead; `--qemu` adds the real-guest bench (needs qemu-system-x86_64).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';

const opts = new Command('bench')
  .description('run every bench in bench/ (small sizes unless --full), each with its same-run reference and ratio')
  .option('--full', 'the benches\' default sizes (tens of minutes)')
  .option('--qemu', 'also boot real QEMU guests (bench/qemu-guests.ts)')
  .parse()
  .opts<{ full?: boolean; qemu?: boolean }>();

const small: Array<[string, string[]]> = [
  ['scheduler.ts', []],
  ['cell-builds.ts', ['1000', '3', '50']],
  ['cell-builds.ts', ['1000', '3', '50', 'memory']],
  ['tree-builds.ts', ['1000', '3', '10']],
  ['build-path-counts.ts', ['--servers', '300']],
  ['sim-scale.ts', ['--regions', '1', '--sites', '2', '--cells', '5', '--hosts', '100', '--requests', '5000']],
];
const full: Array<[string, string[]]> = [
  ['scheduler.ts', []], ['cell-builds.ts', []], ['cell-builds.ts', ['2000', '3', '50', 'memory']], ['tree-builds.ts', []],
  ['build-path-counts.ts', []], ['sim-scale.ts', []],
];
const runs = opts.full ? full : small;
if (opts.qemu) runs.push(['qemu-guests.ts', ['2', '128']]);
let failed = 0;
for (const [file, args] of runs) {
  console.log(`\n$ npx tsx bench/${file} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
