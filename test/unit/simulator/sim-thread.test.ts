/** A simulation thread: TypeScript loads in it, and its young generation is the simulator's, not node's default. */
import { describe, expect, it } from 'vitest';
import { SIM_YOUNG_GENERATION_MB, simThread } from '../../../simulator/sim-thread.ts';

describe('simThread', () => {
  it('runs a TypeScript module with the simulator young generation and the argv it is given', async () => {
    const w = simThread(new URL('../../fixtures/sim-thread/limits.ts', import.meta.url), { argv: ['--requests', '5'] });
    const [m, code] = await Promise.all([
      new Promise<{ resourceLimits: { maxYoungGenerationSizeMb: number }; argv: string[] }>((resolve, reject) => w.once('message', resolve).once('error', reject)),
      new Promise<number>((resolve) => w.once('exit', resolve)),
    ]);
    expect(m.resourceLimits.maxYoungGenerationSizeMb).toBe(SIM_YOUNG_GENERATION_MB);
    // Larger than node's default (16 MB semi-spaces, 48 MB young generation): what the simulator is for.
    expect(SIM_YOUNG_GENERATION_MB).toBeGreaterThan(48);
    expect(m.argv).toEqual(['--requests', '5']);
    expect(code).toBe(0);
  });
});
