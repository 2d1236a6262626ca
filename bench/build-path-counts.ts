/**
 * What one build costs, counted rather than timed (so the figures do not depend on the machine's
 * load): N servers in one burst through one cell or the 3-level tree, and per build, between the
 * first request and the last ACTIVE: bus messages decoded (validated and trusted), MQTT messages
 * published (a batch of envelopes is one: runtime/bus/mqtt/publish-batch.ts), instance_updates
 * messages, JSON encodes and decodes (every JSON.stringify / JSON.parse in the process), SQL
 * statements and commits (sqlite3's run/all/exec), and the process's CPU time.
 *   npx tsx bench/build-path-counts.ts [--servers 500] [--target cell|tree|both] [--transport mqtt|memory]
 * With WHO=1 in the environment it also prints the callers of JSON.stringify, most frequent first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import sqlite3 from 'sqlite3';
import { MqttClient } from 'mqtt';
import { RealClock } from '../runtime/clock/index.ts';
import { SeededRng } from '../runtime/rng/index.ts';
import { novaConfig } from '../runtime/config/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { MemoryHub } from '../runtime/bus/index.ts';
import { MessageRegistry } from '../runtime/bus/messages.ts';
import { SingleCell } from '../cells/single-cell.ts';
import { CellTree, planFlavors } from '../cells/tree/tree.ts';
import { treePlan } from '../test/support/tree-topology.ts';
import { machine } from './machine.ts';

const opts = new Command('build-path-counts')
  .description('per-build counts of bus messages, JSON encodes/decodes, SQL statements and commits, and CPU time')
  .option('--servers <n>', 'servers in the burst', '500')
  .option('--target <t>', 'cell, tree or both', 'both')
  .option('--transport <t>', 'mqtt or memory', 'mqtt')
  .parse()
  .opts<{ servers: string; target: string; transport: string }>();
const servers = Number(opts.servers);
const memory = opts.transport === 'memory';

const zero = { decodes: 0, mqttPublishes: 0, jsonParse: 0, jsonStringify: 0, sql: 0, commits: 0, instanceUpdates: 0 };
const counts = { ...zero };
let counting = false;
const who = new Map<string, number>();

// Counting hooks: each wraps one function and counts its calls while `counting`.
const rawParse = JSON.parse;
const rawStringify = JSON.stringify;
type Replacer = ((this: unknown, key: string, value: unknown) => unknown) | (number | string)[] | null;
JSON.parse = function parse(text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown {
  if (counting) counts.jsonParse++;
  return rawParse(text, reviver);
};
JSON.stringify = function stringify(value: unknown, replacer?: Replacer, space?: string | number): string {
  if (counting) { counts.jsonStringify++; if (process.env.WHO) { const w = new Error().stack!.split("\n")[2]!.trim(); who.set(w, (who.get(w) ?? 0) + 1); } }
  return typeof replacer === 'function' ? rawStringify(value, replacer, space) : rawStringify(value, replacer, space);
};
// decodeValue: every envelope received, alone (through decode) or in a batch (publish-batch.ts).
const rawDecode = MessageRegistry.prototype.decodeValue;
MessageRegistry.prototype.decodeValue = function decodeValue(raw) {
  const r = rawDecode.call(this, raw);
  if (counting) {
    counts.decodes++;
    if (r.ok && r.msg.type === 'instance_updates') counts.instanceUpdates++;
  }
  return r;
};
const rawPublish = MqttClient.prototype.publish;
MqttClient.prototype.publish = function publish(this: MqttClient, ...a: unknown[]) {
  if (counting) counts.mqttPublishes++;
  return Reflect.apply(rawPublish, this, a) as MqttClient;
} as MqttClient['publish'];
const proto: object = sqlite3.Database.prototype;
for (const m of ['run', 'all', 'exec', 'get']) {
  const raw: unknown = Reflect.get(proto, m);
  if (typeof raw !== 'function') throw new Error(`sqlite3.Database.prototype.${m} is not a function`);
  Reflect.set(proto, m, function counted(this: unknown, ...a: unknown[]): unknown {
    if (counting) {
      counts.sql++;
      if (typeof a[0] === 'string' && /^\s*commit/i.test(a[0])) counts.commits++;
    }
    return Reflect.apply(raw, this, a);
  });
}

const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'cirros', properties: {} };

async function burst(create: (i: number) => Promise<unknown>, done: Promise<void>): Promise<{ cpuUs: number }> {
  Object.assign(counts, zero);
  const cpu0 = process.cpuUsage();
  counting = true;
  await Promise.all(Array.from({ length: servers }, (_, i) => create(i)));
  await done;
  counting = false;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system };
}

async function cell(): Promise<{ cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'novacell-counts-'));
  const hosts = Array.from({ length: 50 }, (_, i) => ({ name: `compute${i}`, vcpus: 64, memoryMb: 262144, diskGb: 4000 }));
  const c = await SingleCell.start({
    name: 'counts', db: { file: join(dir, 'counts.sqlite') }, hosts, clock: new RealClock(), rng: new SeededRng('counts'),
    transport: memory ? { kind: 'memory', hub: new MemoryHub() } : { kind: 'mqtt' }, config: novaConfig(), log: createLogger({}, 'silent'),
  });
  while (c.services.ctx.hostManager.hosts().length < hosts.length) await new Promise((r) => setTimeout(r, 5));
  let active = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  c.services.ctx.store.onChange((inst) => {
    if (inst.vmState === 'active' && ++active === servers) finish();
  });
  const r = await burst((i) => c.api.create({ name: `vm${i}`, flavor, image }, { projectId: 'b', userId: 'b', reqId: `req-${i}` }), done);
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
  return r;
}

async function tree(): Promise<{ cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'novacell-counts-tree-'));
  const plan = treePlan({ hostsPerLeaf: 10, host: { vcpus: 64, memory_mb: 262144, disk_gb: 4000 } });
  const t = await CellTree.start({
    plan, clock: new RealClock(), rng: new SeededRng('counts-tree'), log: createLogger({}, 'silent'),
    dbFile: (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`), ephemeralPorts: true,
    transport: memory ? { kind: 'memory' } : { kind: 'mqtt' },
  });
  while (t.capacity().hostsUp < plan.hosts.length) await new Promise((r) => setTimeout(r, 5));
  const tiny = planFlavors(plan).find((f) => f.id === '1')!;
  const seen = new Set<string>();
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  t.apiCell.onInstanceChange((c) => {
    if (c.vmState === 'active' && !seen.has(c.uuid)) {
      seen.add(c.uuid);
      if (seen.size === servers) finish();
    }
  });
  const r = await burst((i) => t.api.create({ name: `vm${i}`, flavor: tiny, image }, { projectId: 'b', userId: 'b', reqId: `req-${i}` }), done);
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
  return r;
}

function report(label: string, cpuUs: number): void {
  const per = (n: number): string => (n / servers).toFixed(2);
  console.log(`${label}: per build — bus messages decoded (validated) ${per(counts.decodes)}, MQTT messages published ${per(counts.mqttPublishes)}, ` +
    `instance_updates messages ${per(counts.instanceUpdates)}, ` +
    `JSON encodes ${per(counts.jsonStringify)}, JSON decodes ${per(counts.jsonParse)}, SQL statements ${per(counts.sql)}, commits ${per(counts.commits)}, ` +
    `CPU ${(cpuUs / servers).toFixed(0)} µs`);
}

console.log(`build-path-counts: ${servers} servers in one burst over ${memory ? 'the in-memory bus' : 'MQTT'} — ${machine()}`);
if (opts.target !== 'tree') report('one cell, 50 hosts', (await cell()).cpuUs);
if (opts.target !== 'cell') report('3-level tree, 4 leaves × 10 hosts', (await tree()).cpuUs);
if (process.env.WHO) for (const [k, v] of [...who].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(v, k);
process.exit(0);
