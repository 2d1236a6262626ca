/**
 * The bus fuzz suite (bounded), on a tree of real aedes brokers with credentials and ACLs as
 * `novacell cell run` starts them (api → c1 → g11 running; the c2 subtree and g12 not, so the test
 * holds their links' credentials): anonymous clients, wrong passwords, another broker's password and
 * borrowed client ids are refused at connect on every broker; each credential — a compute host, a
 * leaf's link, a middle cell's link — is refused (and dropped) on every topic of the cell but its own;
 * and on its own topics sends garbage, malformed envelopes (alone and in batches), other principals' real messages replayed
 * or mutated, and calls with forged reply topics. Afterwards the state of every cell is what it was,
 * no reply went anywhere but to its caller's reply topic, and the tree still builds a server.
 * The long mode is `npx tsx bench/fuzz-bus.ts 100000` (docs/reliability.md).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { MqttClient } from 'mqtt';
import { SeededRng } from '../../runtime/rng/index.ts';
import { TREE_SECRET } from '../support/secure-tree.ts';
import {
  cellTopics, connectAs, deniedAndDropped, diffPaths, refusal, runBusFuzz, sentinel, snapshot, startFuzzTree,
  watchMisdirectedReplies, type FuzzTree,
} from '../support/bus-fuzz.ts';
import { brokerPassword } from '../../cells/security/index.ts';

const MESSAGES = Number(process.env['NOVACELL_BUS_FUZZ_MESSAGES'] ?? 10_000);
const warnings = new Map<string, number>();
const errorLines: string[] = [];
const log = pino({ level: 'warn' }, {
  write: (s: string) => {
    const l = JSON.parse(s) as { level: number; msg: string };
    if (l.level >= 50) errorLines.push(s);
    warnings.set(l.msg, (warnings.get(l.msg) ?? 0) + 1);
  },
});

let dir: string;
let fz: FuzzTree;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-bus-fuzz-'));
  fz = await startFuzzTree(log, (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`));
}, 180_000);

afterAll(async () => {
  await fz?.tree.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses anonymous clients, wrong passwords, another broker\'s password and borrowed client ids on every broker', async () => {
  for (const cred of fz.creds) {
    const url = fz.tree.brokers.get(cred.broker)!.url;
    const other = cred.broker === 'api' ? 'api!c1' : 'api';
    const attempts = [
      { clientId: cred.clientId },
      { clientId: 'anonymous-fuzzer' },
      { clientId: cred.clientId, username: cred.label, password: 'wrong' },
      { clientId: cred.clientId, username: cred.label, password: brokerPassword(TREE_SECRET, other, cred.label) },
      { clientId: `${cred.broker}:conductor`, username: cred.label, password: brokerPassword(TREE_SECRET, cred.broker, cred.label) },
    ];
    for (const a of attempts) expect(await refusal(url, a), `${cred.label} ${JSON.stringify(a)}`).toMatch(/Bad username or password/);
  }
});

it('drops each credential that publishes on any topic of the cell but its own', async () => {
  let tried = 0;
  for (const cred of fz.creds) {
    for (const topic of cellTopics(fz.plan, cred.broker).filter((t) => !cred.writes.includes(t))) {
      const c = await connectAs(fz.tree, TREE_SECRET, cred);
      expect(await deniedAndDropped(c, topic, JSON.stringify({ type: 'child_gone', v: 1, id: 'x', body: { cell: 'api!c1' } })), `${cred.label} → ${topic}`).toBe(true);
      tried++;
    }
  }
  expect(tried).toBeGreaterThan(20);
  expect(warnings.get('broker: publish denied')).toBeGreaterThanOrEqual(tried);
}, 120_000);

it(`${MESSAGES} garbage and forged messages from each credential change nothing, misdirect no reply, and the tree still builds`, async () => {
  const before = await snapshot(fz.tree);
  const misdirected = watchMisdirectedReplies(fz.tree.brokers.values(), fz.creds);
  const clients = new Map<string, MqttClient>();
  for (const cred of fz.creds) clients.set(cred.label, await connectAs(fz.tree, TREE_SECRET, cred));
  const result = await runBusFuzz(clients, fz.creds, fz.corpus, new SeededRng('bus-fuzz').stream('messages'), MESSAGES);
  for (const cred of fz.creds) await sentinel(clients.get(cred.label)!, cred, `sentinel-${cred.label}`);
  const after = await snapshot(fz.tree);
  for (const c of clients.values()) c.end(true);

  expect(result.messages).toBe(MESSAGES);
  expect(result.publishFailures).toBe(0);
  expect([...result.byKind.keys()].sort()).toEqual(['bad-envelope', 'batch', 'bytes', 'mutated', 'not-json', 'proto', 'replayed', 'stray-reply']);
  expect(diffPaths(before, after)).toEqual([]);
  expect(misdirected).toEqual([]);
  expect(warnings.get("bus: call refused: its reply topic is not the sender's own") ?? 0).toBeGreaterThan(0);
  expect(errorLines).toEqual([]);
  expect(Object.prototype).not.toHaveProperty('polluted');
  // Still whole: a new server builds.
  await fz.build('after-fuzz');
}, 300_000);
