/**
 * The simulator agrees with the real thing: the small scenario's requests, simulated on virtual time,
 * and the same requests sent in the same order to the same two cells running for real (MQTT over TCP,
 * SQLite, real clock), are accepted and rejected alike. Links take no time in either run, so each
 * leaf's capacity delta reaches the API level's cell scheduler before the next request, and the only
 * difference left is time itself.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../simulator/engine.ts';
import { loadScenario } from '../../simulator/scenario/index.ts';
import { startFlatCells } from '../../simulator/targets/flat-cells.ts';
import { recordRejections, runForReal } from '../support/sim-real-run.ts';

const SMALL = join(import.meta.dirname, '..', '..', 'simulator', 'examples', 'small.yaml');

describe('simulator vs. a real run of the small scenario', () => {
  it('rejects exactly the requests the real cells reject', async () => {
    const scenario = loadScenario(SMALL, { set: ['faults=[]', 'network.same_site_ms=0', 'network.per_km_ms=0'] });
    const rec = recordRejections(startFlatCells);
    const sim = await runSimulation({ scenario, seed: '42', target: rec.factory });
    const real = await runForReal(scenario, '42');
    expect(real.requests).toBe(sim.counts.requests);
    const simRejected = [...rec.rejected()].sort((a, b) => a - b);
    expect(simRejected.length).toBeGreaterThan(5);
    expect([...real.rejected].sort((a, b) => a - b)).toEqual(simRejected);
  }, 300_000);
});
