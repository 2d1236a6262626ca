/**
 * The API fuzzer's long mode: N (default 100,000) seeded hostile requests across compute, identity and
 * image (test/support/api-fuzz.ts) against the whole REST surface of the API cell, in batches, then a
 * normal request. Prints the requests sent, answers by status class, 5xx (with the first few), crashes
 * (uncaught exceptions / unhandled rejections in this process) and whether the API still serves.
 * Exit status 1 if any 5xx, crash or dead API. Figures: docs/reliability.md.
 * Run: npx tsx bench/fuzz-api.ts [requests] [seed]
 */
import { performance } from 'node:perf_hooks';
import { SeededRng } from '../runtime/rng/index.ts';
import { apiFixture } from '../test/support/api-fixture.ts';
import { runApiFuzz } from '../test/support/api-fuzz.ts';

const total = Number(process.argv[2] ?? 100_000);
const seed = process.argv[3] ?? 'api-fuzz-long';
let crashes = 0;
process.on('uncaughtException', (e) => { crashes++; console.error('uncaught exception:', e); });
process.on('unhandledRejection', (e) => { crashes++; console.error('unhandled rejection:', e); });

const fx = await apiFixture();
const servers = [await fx.createServer({ as: 'demo', name: 'fz-demo' }), await fx.createServer({ as: 'alt', name: 'fz-alt' })];
const r = new SeededRng(seed).stream('requests');
const byClass = new Map<string, number>();
const errors: string[] = [];
let sent = 0;
const t0 = performance.now();
const BATCH = 5000;
while (sent < total) {
  const n = Math.min(BATCH, total - sent);
  const res = await runApiFuzz(fx, r, n, servers);
  sent += res.requests;
  for (const [status, k] of res.byStatus) byClass.set(`${Math.floor(status / 100)}xx`, (byClass.get(`${Math.floor(status / 100)}xx`) ?? 0) + k);
  for (const e of res.serverErrors) if (errors.length < 10) errors.push(`${e.status} ${e.req.method} ${e.req.url} ${e.req.raw?.slice(0, 120) ?? ''} → ${e.body}`);
  process.stderr.write(`\r${sent}/${total} requests, ${byClass.get('5xx') ?? 0} 5xx`);
}
const secs = (performance.now() - t0) / 1000;
const alive = (await fx.call('GET', '/compute/v2.1/servers')).statusCode === 200;
await fx.close();
const fiveXX = byClass.get('5xx') ?? 0;
process.stderr.write('\n');
console.log(`api fuzz (seed ${seed}): ${sent} requests in ${secs.toFixed(1)} s (${Math.round(sent / secs)}/s)`);
console.log(`answers: ${[...byClass].sort().map(([c, k]) => `${c} ${k}`).join(', ')}`);
console.log(`5xx: ${fiveXX}; crashes: ${crashes}; API serving afterwards: ${alive ? 'yes' : 'NO'}`);
for (const e of errors) console.log(`  ${e}`);
process.exit(fiveXX === 0 && crashes === 0 && alive ? 0 : 1);
