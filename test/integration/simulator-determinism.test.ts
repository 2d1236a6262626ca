/**
 * Determinism: the small scenario run twice with the same seed gives byte-identical results.json (and
 * CSVs and report); another seed gives a different run. Each run drives the real conductor, scheduler
 * and compute actors of two cells on virtual time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../simulator/engine.ts';
import { writeRunOutputs } from '../../simulator/report/write.ts';
import { loadScenario } from '../../simulator/scenario/index.ts';

const SMALL = join(import.meta.dirname, '..', '..', 'simulator', 'examples', 'small.yaml');
const root = mkdtempSync(join(tmpdir(), 'novacell-sim-det-'));

async function runTo(dir: string, seed: string, set: string[] = []): Promise<string> {
  const out = await runSimulation({ scenario: loadScenario(SMALL, { set }), seed });
  await writeRunOutputs(out, join(root, dir));
  return readFileSync(join(root, dir, 'results.json'), 'utf8');
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('simulator determinism (small scenario)', () => {
  let a: string;
  let b: string;
  let c: string;

  beforeAll(async () => {
    a = await runTo('a', '42');
    b = await runTo('b', '42');
    c = await runTo('c', '43');
  }, 180_000);

  it('gives byte-identical results.json for the same seed', () => {
    expect(b).toBe(a);
    const r = JSON.parse(a);
    expect(r.manifest.seed).toBe('42');
    expect(r.manifest.scenario.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.requests.active).toBeGreaterThan(500);
    expect(r.requests.no_valid_host).toBeGreaterThan(0);
    expect(r.oracle.acceptance_rate).toBeGreaterThan(0.5);
  });

  it('gives identical CSVs and report for the same seed; only wall.json may differ', () => {
    for (const f of readdirSync(join(root, 'a'))) {
      if (f === 'wall.json') continue;
      expect(readFileSync(join(root, 'b', f), 'utf8'), f).toBe(readFileSync(join(root, 'a', f), 'utf8'));
    }
    expect(readFileSync(join(root, 'a', 'report.html'), 'utf8')).toContain('<svg');
  });

  it('gives a different run for a different seed', () => {
    expect(c).not.toBe(a);
    const [ra, rc] = [JSON.parse(a), JSON.parse(c)];
    expect(rc.manifest.seed).toBe('43');
    expect(rc.requests.requests).not.toBe(ra.requests.requests);
  });
});

describe('simulator determinism (small scenario, flat-cells target)', () => {
  it('gives byte-identical results.json for the same seed', async () => {
    const a = await runTo('flat-a', '42', ['target=flat-cells']);
    const b = await runTo('flat-b', '42', ['target=flat-cells']);
    expect(b).toBe(a);
    expect(JSON.parse(a).manifest.target).toBe('flat-cells');
  }, 180_000);
});
