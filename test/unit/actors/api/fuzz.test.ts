/**
 * The API fuzz suite (bounded): 5,000 seeded hostile requests across compute, identity and image —
 * no answer is a 5xx, and the API still serves a normal request afterwards. The long mode is
 * `npx tsx bench/fuzz-api.ts 100000` (docs/reliability.md).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { apiFixture, type ApiFixture } from '../../../support/api-fixture.ts';
import { runApiFuzz } from '../../../support/api-fuzz.ts';

const REQUESTS = Number(process.env['NOVACELL_FUZZ_REQUESTS'] ?? 5000);
let fx: ApiFixture;
const servers: string[] = [];

beforeAll(async () => {
  fx = await apiFixture();
  for (const as of ['demo', 'alt'] as const) {
    const r = await fx.call('POST', '/compute/v2.1/servers', { as, body: { server: { name: `fz-${as}`, imageRef: fx.plan.images[0]!.id, flavorRef: '1' } } });
    servers.push((r.json() as { server: { id: string } }).server.id);
  }
});
afterAll(async () => { await fx.close(); });

it(`answers ${REQUESTS} generated hostile requests without a 5xx and keeps serving`, { timeout: 300_000 }, async () => {
  const result = await runApiFuzz(fx, new SeededRng('api-fuzz').stream('requests'), REQUESTS, servers);
  expect(result.requests).toBe(REQUESTS);
  expect(result.serverErrors.slice(0, 5)).toEqual([]);
  expect([...result.byStatus.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
  const after = await fx.call('GET', '/compute/v2.1/servers');
  expect(after.statusCode).toBe(200);
});
