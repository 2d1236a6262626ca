/**
 * `novacell sim` as a person runs it: a real process writes results.json, the CSVs, report.html and
 * wall.json, prints a summary line; a broken scenario gets file:line:col errors and exit code 2.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const novacell = (args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), ...args], { cwd: ROOT, timeout: 120_000 });

describe('novacell sim', () => {
  it('runs a scenario and writes its output folder', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'novacell-sim-cli-')), 'small');
    const { stdout } = await novacell(['sim', 'simulator/examples/small.yaml', '--seed', '3', '--out', out, '--set', 'duration=40m', '--set', 'faults=[]', '--set', 'filter_scheduler.ram_weight_multiplier=-1']);
    expect(stdout).toMatch(/^seed 3: \d+ instances requested, \d+ ACTIVE/);
    for (const f of ['results.json', 'report.html', 'timeseries.csv', 'buckets.csv', 'regions.csv', 'cells.csv', 'hosts.csv', 'latency-histogram.csv', 'faults.csv', 'wall.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(r.manifest.seed).toBe('3');
    expect(r.manifest.scenario.overrides).toContain('filter_scheduler.ram_weight_multiplier=-1');
    expect(JSON.stringify(r)).not.toMatch(/wall/);
    expect(JSON.parse(readFileSync(join(out, 'wall.json'), 'utf8')).runS).toBeGreaterThan(0);
  }, 120_000);

  it('runs replications in worker threads two at a time with the same bytes as one at a time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-sim-workers-'));
    const args = ['sim', 'simulator/examples/small.yaml', '--seed', '5', '--replications', '2', '--set', 'duration=30m', '--set', 'faults=[]'];
    const one = await novacell([...args, '--out', join(dir, 'one')]);
    const two = await novacell([...args, '--workers', '2', '--out', join(dir, 'two')]);
    expect(one.stdout).toMatch(/^2 replications: acceptance rate/m);
    expect(two.stdout).toMatch(/^2 replications \(2 workers\): acceptance rate/m);
    const seeds = readdirSync(join(dir, 'one')).filter((f) => f.startsWith('seed-'));
    expect(seeds).toHaveLength(2);
    for (const s of seeds) {
      const files = readdirSync(join(dir, 'one', s)).filter((f) => f !== 'wall.json');
      expect(files).toContain('results.json');
      for (const f of files) expect(readFileSync(join(dir, 'two', s, f), 'utf8'), `${s}/${f}`).toBe(readFileSync(join(dir, 'one', s, f), 'utf8'));
    }
    expect(readFileSync(join(dir, 'two', 'results.json'), 'utf8')).toBe(readFileSync(join(dir, 'one', 'results.json'), 'utf8'));
  }, 120_000);

  it('reports a broken scenario with its line and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-sim-bad-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'duration: 1h\ntopology: {generate: {regions: 1, sites_per_region: 1, cells_per_site: 1, hosts_per_cell: 1}}\nworkload:\n  arrivals: {process: poison, rate: 1/min}\n');
    const err = await novacell(['sim', file, '--out', join(dir, 'out')]).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain(`${file}:4:23 workload.arrivals.process: "poison" is not allowed; did you mean "poisson"?`);
  }, 60_000);
});
