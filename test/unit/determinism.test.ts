/**
 * Principle 4: control-plane code never reads wall time or global randomness directly; it uses the
 * injected Clock and Rng, which is what makes simulations repeatable. This test greps the tree.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CONTROL_PLANE = ['runtime', 'topology', 'actors', 'cells', 'simulator'];
/** The adapters that are allowed to touch the real thing, each for a stated reason. */
const ALLOWED = new Set([
  'runtime/clock/real-clock.ts', // the RealClock itself
  'runtime/rng/entropy.ts', // the one seed a real deployment draws
]);
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\brandomUUID\s*\(/, 'crypto.randomUUID()'],
  [/(?<![.\w])setTimeout\s*\(/, 'setTimeout()'],
  [/(?<![.\w])setInterval\s*\(/, 'setInterval()'],
];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('determinism', () => {
  it('no control-plane module reads wall time or global randomness', () => {
    const offences: string[] = [];
    for (const top of CONTROL_PLANE) {
      let list: string[] = [];
      try {
        list = files(join(ROOT, top));
      } catch {
        continue;
      }
      for (const f of list) {
        const rel = relative(ROOT, f);
        if (ALLOWED.has(rel)) continue;
        readFileSync(f, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/^\s*(\/\/|\*)/.test(line)) return;
            // A Clock method's own declaration is not a call.
            if (/^\s*(setTimeout|setInterval)\s*\(.*\)\s*:/.test(line)) return;
            for (const [re, what] of FORBIDDEN) if (re.test(line)) offences.push(`${rel}:${i + 1} uses ${what}`);
          });
      }
    }
    expect(offences).toEqual([]);
  });
});
