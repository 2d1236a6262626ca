/**
 * The simulator gets determinism from the runtime's ports (the clock's work port, discarding
 * databases), not by patching: no file under simulator/ assigns to a prototype or to globalThis, and a
 * simulation leaves setImmediate and the sqlite3 module as it found them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SIM = join(import.meta.dirname, '..', '..', '..', 'simulator');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the simulator patches nothing', () => {
  it('no file under simulator/ assigns to a prototype or to globalThis', () => {
    const offenders = files(SIM).flatMap((f) =>
      readFileSync(f, 'utf8').split('\n').flatMap((line, i) =>
        /\.prototype(\.\w+|\[[^\]]+\])?\s*=[^=]|globalThis\.\w+\s*=[^=]|Object\.defineProperty\(\s*globalThis/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : []),
    );
    expect(offenders).toEqual([]);
  });

  it('a simulation run leaves setImmediate and sqlite3 untouched', async () => {
    const before = globalThis.setImmediate;
    const sqlite3 = createRequire(import.meta.url)('sqlite3') as { Database: { prototype: Record<string, unknown> } };
    const run = sqlite3.Database.prototype.run;
    const { loadScenario } = await import('../../../simulator/scenario/index.ts');
    const { runSimulation } = await import('../../../simulator/engine.ts');
    const scenario = loadScenario(join(SIM, 'examples', 'small.yaml'));
    const out = await runSimulation({ scenario });
    expect(out.counts.active).toBeGreaterThan(0);
    expect(globalThis.setImmediate).toBe(before);
    expect(sqlite3.Database.prototype.run).toBe(run);
  });
});
