/**
 * The bus fuzzer's long mode: N (default 100,000) garbage and forged messages from a compute host's,
 * a leaf's link and a middle cell's link credentials on a tree of real aedes brokers with ACLs
 * (test/support/bus-fuzz.ts), in rounds. After each round it waits until every receiver has dispatched
 * what it got (a sentinel call per credential) and compares the tree's state with the state before:
 * the paths that differ are printed. Then the tree must still build a server.
 * Prints messages, publish failures, state changes, misdirected replies, error log lines, crashes.
 * Exit status 1 on any of those. Figures: docs/reliability.md.
 * Run: npx tsx bench/fuzz-bus.ts [messages] [seed]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { z } from 'zod';
import type { MqttClient } from 'mqtt';
import { errorMessage } from '../runtime/errors/index.ts';
import { SeededRng } from '../runtime/rng/index.ts';
import { TREE_SECRET } from '../test/support/secure-tree.ts';
import { connectAs, diffPaths, runBusFuzz, sentinel, snapshot, startFuzzTree, watchMisdirectedReplies } from '../test/support/bus-fuzz.ts';

const total = Number(process.argv[2] ?? 100_000);
const seed = process.argv[3] ?? 'bus-fuzz-long';
const ROUND = 10_000;
let crashes = 0;
process.on('uncaughtException', (e) => { crashes++; console.error('uncaught exception:', e); });
process.on('unhandledRejection', (e) => { crashes++; console.error('unhandled rejection:', e); });

const byMsg = new Map<string | undefined, number>();
const logLine = z.object({ level: z.number(), msg: z.string().optional() });
const errorLines: string[] = [];
const log = pino({ level: 'warn' }, {
  write: (s: string) => {
    const l = logLine.parse(JSON.parse(s));
    if (l.level >= 50 && errorLines.length < 20) errorLines.push(s.slice(0, 400));
    byMsg.set(l.msg, (byMsg.get(l.msg) ?? 0) + 1);
  },
});
const dir = mkdtempSync(join(tmpdir(), 'novacell-fuzz-bus-'));
const fz = await startFuzzTree(log, (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`));
const before = await snapshot(fz.tree);
const misdirected = watchMisdirectedReplies(fz.tree.brokers.values(), fz.creds);
const clients = new Map<string, MqttClient>();
for (const cred of fz.creds) clients.set(cred.label, await connectAs(fz.tree, TREE_SECRET, cred));
const r = new SeededRng(seed).stream('messages');
const byKind = new Map<string, number>();
let sent = 0;
let publishFailures = 0;
const changed = new Set<string>();
const t0 = performance.now();
for (let round = 0; sent < total; round++) {
  const n = Math.min(ROUND, total - sent);
  const res = await runBusFuzz(clients, fz.creds, fz.corpus, r, n, sent);
  sent += res.messages;
  publishFailures += res.publishFailures;
  for (const [k, v] of res.byKind) byKind.set(k, (byKind.get(k) ?? 0) + v);
  for (const cred of fz.creds) await sentinel(clients.get(cred.label)!, cred, `sentinel-${round}-${cred.label}`, 300_000);
  const diff = diffPaths(before, await snapshot(fz.tree));
  for (const p of diff) changed.add(p);
  process.stderr.write(`\r${sent}/${total} messages, ${changed.size} state paths changed`);
}
const secs = (performance.now() - t0) / 1000;
for (const c of clients.values()) c.end(true);
let builds = 'yes';
try {
  await fz.build('after-fuzz');
} catch (e) {
  builds = `NO (${errorMessage(e)})`;
}
await fz.tree.stop();
rmSync(dir, { recursive: true, force: true });
process.stderr.write('\n');
console.log(`bus fuzz (seed ${seed}): ${sent} messages from ${fz.creds.map((c) => c.label).join(', ')} in ${secs.toFixed(1)} s (${Math.round(sent / secs)}/s)`);
console.log(`kinds: ${[...byKind].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`publish failures: ${publishFailures}; state changes: ${changed.size}; misdirected replies: ${misdirected.length}; error log lines: ${errorLines.length}; crashes: ${crashes}; builds afterwards: ${builds}`);
for (const p of [...changed].slice(0, 30)) console.log(`  changed: ${p}`);
for (const m of misdirected.slice(0, 10)) console.log(`  misdirected: ${m.from} → ${m.topic}`);
for (const l of errorLines) console.log(`  error: ${l}`);
console.log(`warnings by message: ${[...byMsg].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([m, k]) => `${k}× ${m}`).join('; ')}`);
const ok = publishFailures === 0 && changed.size === 0 && misdirected.length === 0 && errorLines.length === 0 && crashes === 0 && builds === 'yes';
process.exit(ok ? 0 : 1);
