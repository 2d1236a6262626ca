/**
 * A seeded generator of hostile bus traffic for the bus fuzz suite and its long mode
 * (bench/fuzz-bus.ts), against a tree of real aedes brokers with credentials (test/support/secure-tree.ts):
 * each credential (a compute host, a child cell's link) sends garbage, malformed envelopes, real
 * messages of other principals replayed or mutated, and calls with forged reply topics on the topics it
 * may write; every other topic of the cell is tried once (the broker refuses it and drops the client).
 * The tree's state — every cell's database, instance store, child links and capacity — is compared
 * before and after. Deterministic per seed, apart from the timing of the tree's own periodic traffic.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { RandomStream } from '../../runtime/rng/index.ts';
import type { Broker } from '../../runtime/bus/index.ts';
import type { TopologyPlan } from '../../topology/plan-types.ts';
import {
  cellPrefix, computeTopic, conductorTopic, conductorTopicOfHost, downTopic, goneTopic, statusTopic, cellsPortTopic, upTopic,
} from '../../cells/topics.ts';
import {
  brokerPassword, computeClientId, internalClientId, linkClientId, usernameOf, type Principal,
} from '../../cells/security/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { PlanCell } from '../../topology/plan-types.ts';
import { startSecureTree, type SecureTree } from './secure-tree.ts';
import { treePlan } from './tree-topology.ts';
import { until } from './waits.ts';

export interface FuzzCredential {
  /** The principal's broker username (`compute@host0001`, `link@api!c2`). */
  label: string;
  /** The cell whose broker it logs in to. */
  broker: string;
  principal: Principal;
  clientId: string;
  /** The topics the broker lets it publish to; every other one is refused. */
  writes: string[];
  replyTopic: string;
  /** Names it may legitimately speak for: a forged body never carries them. */
  self: string[];
}

const reply = (cell: string, clientId: string) => `${cellPrefix(cell)}/reply/${clientId}`;

export function computeCredential(leaf: string, host: string): FuzzCredential {
  const principal: Principal = { kind: 'compute', host };
  return {
    label: usernameOf(principal), broker: leaf, principal, clientId: computeClientId(host),
    writes: [conductorTopicOfHost(leaf, host), reply(leaf, internalClientId(leaf, 'conductor'))],
    replyTopic: reply(leaf, computeClientId(host)), self: [host],
  };
}

export function linkCredential(parent: string, child: string): FuzzCredential {
  const principal: Principal = { kind: 'link', child };
  return {
    label: usernameOf(principal), broker: parent, principal, clientId: linkClientId(child),
    writes: [upTopic(parent, child), reply(parent, internalClientId(parent, 'cell'))],
    replyTopic: reply(parent, linkClientId(child)), self: [child],
  };
}

/** Every topic the cells of `plan` use on the broker of `cell`. */
export function cellTopics(plan: TopologyPlan, cell: string): string[] {
  const c = plan.cells.find((x) => x.path === cell)!;
  const t = [conductorTopic(cell), statusTopic(cell), cellsPortTopic(cell), reply(cell, internalClientId(cell, 'cell')), reply(cell, internalClientId(cell, 'conductor'))];
  for (const h of c.hostNames) t.push(conductorTopicOfHost(cell, h), computeTopic(cell, h), reply(cell, computeClientId(h)));
  for (const k of c.childPaths) t.push(downTopic(cell, k), upTopic(cell, k), goneTopic(cell, k), reply(cell, linkClientId(k)));
  return t;
}

/** Real envelopes seen on the brokers (the tree's own traffic), replayed and mutated by the fuzzer. */
export class Corpus {
  readonly envelopes: Array<{ topic: string; env: Record<string, unknown> }> = [];
  private readonly perType = new Map<string, number>();
  private frozen = false;

  constructor(private readonly maxPerType = 40) {}

  /** Stop recording (the fuzzer's own messages are not corpus). */
  freeze(): void {
    this.frozen = true;
  }

  /** Record what clients publish on these brokers from now on. */
  tap(brokers: Iterable<Broker>): void {
    for (const b of brokers) {
      b.aedes.on('publish', (packet, client) => {
        if (!client || packet.topic.startsWith('$SYS')) return;
        this.add(packet.topic, packet.payload.toString());
      });
    }
  }

  add(topic: string, text: string): void {
    if (this.frozen) return;
    let env: unknown;
    try {
      env = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof env !== 'object' || env === null || typeof (env as { type?: unknown }).type !== 'string') return;
    const type = (env as { type: string }).type;
    const n = this.perType.get(type) ?? 0;
    if (n >= this.maxPerType) return;
    this.perType.set(type, n + 1);
    this.envelopes.push({ topic, env: env as Record<string, unknown> });
  }

  types(): string[] {
    return [...this.perType.keys()];
  }
}

const NASTY = [
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '', ' ', '\u0000', '\ud800', '\u202e', '../..', '#', '+',
  'api', 'api!c1', 'api!c1!g11', 'nova-compute', 'ACTIVE', 'active', 'deleted', 'admin', 'null', '-1', '1e309', 'a'.repeat(300),
];

function value(r: RandomStream, self: readonly string[], depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0: {
      const s = r.pick(NASTY);
      return self.includes(s) ? 'x' : s;
    }
    case 1: return r.pick([0, -1, 1, 2 ** 53, -(2 ** 31), 1.5, Number.MAX_SAFE_INTEGER, r.int(1e6)]);
    case 2: return r.int(2) === 0;
    case 3: return null;
    case 4: return r.uuid4();
    case 5: return Array.from({ length: r.int(4) }, () => value(r, self, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(['uuid', 'host', 'cell', 'from', 'vmState', 'powerState', '__proto__', 'constructor', 'updates', 'record'])] = value(r, self, depth + 1);
      return o;
    }
  }
}

/** Replace, delete or add one field somewhere in `v` (never writing a name the sender may speak for). */
function mutate(r: RandomStream, v: unknown, self: readonly string[], depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 5) return value(r, self, depth);
  const o: Record<string, unknown> = Array.isArray(v) ? { ...v } : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  if (keys.length === 0) return value(r, self, depth);
  const k = r.pick(keys);
  switch (r.int(4)) {
    case 0: delete o[k]; break;
    case 1: o[k] = value(r, self, depth + 1); break;
    default: o[k] = mutate(r, o[k], self, depth + 1);
  }
  return Array.isArray(v) ? Object.values(o) : o;
}

/** Does a body name the sender itself (then it may legitimately act: not a forgery)? */
function namesSelf(body: unknown, self: readonly string[]): boolean {
  const text = JSON.stringify(body) ?? '';
  return self.some((s) => text.includes(JSON.stringify(s)));
}

export interface FuzzMessage {
  topic: string;
  payload: string | Buffer;
  kind: string;
}

/** One hostile message from `cred`, on one of the topics it may write. */
export function fuzzMessage(r: RandomStream, cred: FuzzCredential, corpus: Corpus, n: number): FuzzMessage {
  const topic = r.int(5) === 0 ? cred.writes[1]! : cred.writes[0]!;
  const id = `fz-${n}`;
  const asCall = (env: Record<string, unknown>): Record<string, unknown> => {
    if (r.int(3) !== 0) return env;
    // A call: its reply topic the sender's own, another client's, another service's topic, or nonsense.
    const replyTo = r.pick([cred.replyTopic, cred.replyTopic, reply(cred.broker, internalClientId(cred.broker, 'cell')), conductorTopic(cred.broker),
      `${cellPrefix(cred.broker)}/compute/host0001`, `${cellPrefix(cred.broker)}/down/x`, `${cellPrefix(cred.broker)}/reply/+`, '#', '', 'x'.repeat(600)]);
    return { ...env, replyTo, corrId: id };
  };
  const kind = r.int(13);
  switch (kind) {
    case 12: {
      // A batch (runtime/bus/mqtt/publish-batch.ts) of hostile envelopes, judged one by one.
      const parts = Array.from({ length: 2 + r.int(4) }, (_, i) => fuzzMessage(r, cred, corpus, n * 10 + i)).filter((m) => m.kind !== 'bytes' && m.kind !== 'batch');
      return { topic, kind: 'batch', payload: `[${parts.map((m) => String(m.payload)).join(',')}]` };
    }
    case 0:
      return { topic, kind: 'bytes', payload: r.pick([Buffer.from(r.hex(r.int(64) + 1), 'hex'), Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x00]), Buffer.alloc(64 * 1024, 0x41)]) };
    case 1:
      return { topic, kind: 'not-json', payload: r.pick(['{', '}', '[', 'null', '"x"', '1', 'true', '{"type":', `${'['.repeat(5000)}${']'.repeat(5000)}`, '\u0000', 'NaN']) };
    case 2: {
      const env: Record<string, unknown> = { type: r.pick(['reply', ...corpus.types(), '', 'x'.repeat(200), '__proto__']), v: r.pick([1, 0, -1, 1.5, '1', 2]), id: r.pick([id, '', 7, null]), body: value(r, cred.self) };
      if (r.int(2) === 0) delete env[r.pick(['type', 'v', 'id', 'body'])];
      return { topic, kind: 'bad-envelope', payload: JSON.stringify(asCall(env)) };
    }
    case 3:
      return { topic, kind: 'proto', payload: `{"type":"${r.pick(corpus.types().length > 0 ? corpus.types() : ['x'])}","v":1,"id":"${id}","__proto__":{"admin":true},"body":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}` };
    case 4: {
      // A reply nobody asked for, to the receiver's reply topic.
      const env = { type: 'reply', v: 1, id, corrId: r.pick([r.uuid4(), id, '']), body: r.pick([{ ok: true, result: value(r, cred.self) }, { ok: false, error: { name: 'X', code: 500, message: 'x' } }, value(r, cred.self)]) };
      return { topic: cred.writes[1]!, kind: 'stray-reply', payload: JSON.stringify(env) };
    }
    default: {
      if (corpus.envelopes.length === 0) return { topic, kind: 'not-json', payload: '{' };
      const seen = r.pick(corpus.envelopes).env;
      let body = seen.body;
      // Replayed as is (another principal's real message), or with one field changed.
      if (kind >= 8 || namesSelf(body, cred.self)) body = mutate(r, body, cred.self);
      if (namesSelf(body, cred.self)) body = value(r, cred.self);
      const env: Record<string, unknown> = { type: seen.type, v: seen.v ?? 1, id, ...(seen.reqId ? { reqId: seen.reqId } : {}), body };
      if (r.int(6) === 0) env.context = { userId: 'admin', projectId: r.pick(['admin', 'evil']), roles: ['admin'] };
      return { topic, kind: kind >= 8 ? 'mutated' : 'replayed', payload: JSON.stringify(asCall(env)) };
    }
  }
}

/**
 * Replies the tree sends to the fuzzer's calls (corrId `fz-…`) anywhere but the caller's own reply
 * topic: a forged replyTo obeyed. Empty unless the bus has that hole.
 */
export function watchMisdirectedReplies(brokers: Iterable<Broker>, creds: readonly FuzzCredential[]): Array<{ topic: string; from: string }> {
  const attackers = new Set(creds.map((c) => c.clientId));
  const own = new Set(creds.map((c) => c.replyTopic));
  const out: Array<{ topic: string; from: string }> = [];
  for (const b of brokers) {
    b.aedes.on('publish', (packet, client) => {
      if (!client || attackers.has(client.id) || own.has(packet.topic)) return;
      const text = packet.payload.toString();
      if (/"corrId":"fz-\d+"/.test(text)) out.push({ topic: packet.topic, from: client.id });
    });
  }
  return out;
}

/** A raw MQTT client logged in as `cred` (the real password, the bound client id). */
export function connectAs(tree: SecureTree, secret: string, cred: FuzzCredential, o: { clientId?: string; password?: string; username?: string } = {}): Promise<MqttClient> {
  const username = o.username ?? cred.label;
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(tree.brokers.get(cred.broker)!.url, {
      clientId: o.clientId ?? cred.clientId, username, password: o.password ?? brokerPassword(secret, cred.broker, username),
      protocolVersion: 4, reconnectPeriod: 0, clean: true, connectTimeout: 10_000,
    });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });
}

/** Connect without credentials, or with wrong ones: resolves with the broker's refusal (or 'accepted'). */
export async function refusal(url: string, o: { clientId: string; username?: string; password?: string }): Promise<string> {
  try {
    const c = await mqtt.connectAsync(url, { ...o, protocolVersion: 4, reconnectPeriod: 0, clean: true, connectTimeout: 10_000 });
    await c.endAsync(true);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Publish on a topic the broker must refuse: resolves true once the broker dropped the client. */
export async function deniedAndDropped(c: MqttClient, topic: string, payload: string): Promise<boolean> {
  const closed = new Promise<boolean>((resolve) => {
    c.once('close', () => resolve(true));
    setTimeout(() => resolve(false), 10_000).unref();
  });
  c.publish(topic, payload, { qos: 1 }, () => undefined);
  const dropped = await closed;
  c.end(true);
  return dropped;
}

/**
 * Wait until the receiver has dispatched everything `c` sent before: a call of an unknown type is
 * answered InvalidMessage by the receiving bus once it reaches it.
 */
export async function sentinel(c: MqttClient, cred: FuzzCredential, id: string, timeoutMs = 60_000): Promise<void> {
  await c.subscribeAsync(cred.replyTopic, { qos: 1 });
  const answered = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to the sentinel of ${cred.label}`)), timeoutMs);
    const on = (_t: string, p: Buffer) => {
      if (p.toString().includes(`"corrId":"${id}"`)) {
        clearTimeout(timer);
        c.off('message', on);
        resolve();
      }
    };
    c.on('message', on);
  });
  await c.publishAsync(cred.writes[0]!, JSON.stringify({ type: 'fuzz_sentinel', v: 1, id, corrId: id, replyTo: cred.replyTopic, body: {} }), { qos: 1 });
  await answered;
}

/**
 * The tree's state for a before/after comparison: every table of every running cell's database (after
 * its write-behind committed), each leaf's instance store, each parent's view of its child links, and
 * the capacity at the top. `volatile` columns (heartbeat counters and times) are left out.
 */
export const VOLATILE: Readonly<Record<string, readonly string[]>> = {
  // Heartbeats (report_interval) and resource tracker reports (update_resources_interval) of the real hosts.
  services: ['report_count', 'last_seen_up', 'updated_at'],
  compute_nodes: ['updated_at'],
};

export async function snapshot(tree: SecureTree): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [path, rc] of tree.cells) {
    await rc.writer?.commit();
    if (rc.db) {
      const tables = (await rc.db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'knex_%' order by name")) as Array<{ name: string }>;
      for (const { name } of tables) {
        const drop = VOLATILE[name] ?? [];
        const rows = ((await rc.db(name).select()) as Array<Record<string, unknown>>).map((row) => {
          const o: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(row)) if (!drop.includes(k)) o[k] = v;
          return JSON.stringify(o);
        });
        out[`${path}/db/${name}`] = rows.sort();
      }
    }
    if (rc.leaf) out[`${path}/instances`] = [...rc.leaf.ctx.store.all()].map((i) => JSON.stringify(i)).sort();
    const role = rc.role ?? (rc.plan.parentPath === null ? tree.apiCell.role : undefined);
    if (role) {
      out[`${path}/children`] = role.children.paths().map((c) => {
        const s = role.children.linkState(c)!;
        return { child: c, link: s.link, reported: s.reported, inFlight: s.inFlight };
      });
    }
  }
  out['capacity'] = tree.apiCell.capacity();
  return out;
}

/** The paths at which two JSON-like values differ (`api!c1/db/services[3]`, `capacity.units.1`). */
export function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [path || '(root)'];
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffPaths(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  const out: string[] = [];
  for (const k of new Set([...ka, ...kb])) {
    out.push(...diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return out;
}

export interface BusFuzzResult {
  messages: number;
  byKind: Map<string, number>;
  /** Publishes the broker did not acknowledge (a PUBACK error or the client dropped). */
  publishFailures: number;
}

/** Send `n` hostile messages spread over `creds` (each over its own connected client). */
export async function runBusFuzz(clients: Map<string, MqttClient>, creds: FuzzCredential[], corpus: Corpus, r: RandomStream, n: number, start = 0): Promise<BusFuzzResult> {
  const out: BusFuzzResult = { messages: 0, byKind: new Map(), publishFailures: 0 };
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    const cred = creds[i % creds.length]!;
    const m = fuzzMessage(r, cred, corpus, start + i);
    out.byKind.set(m.kind, (out.byKind.get(m.kind) ?? 0) + 1);
    out.messages++;
    inFlight.push(clients.get(cred.label)!.publishAsync(m.topic, m.payload, { qos: 1 }).then(() => undefined, () => void out.publishFailures++));
    // A window of unacknowledged publishes, as a busy client has; the broker's PUBACKs pace us.
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  return out;
}

/** The fuzzed tree: api → c1 → g11 (2 hosts) running; g12 and the c2 subtree not, so their links' credentials are free. */
export interface FuzzTree {
  tree: SecureTree;
  plan: TopologyPlan;
  corpus: Corpus;
  creds: FuzzCredential[];
  /** Build a tiny server through the API cell and wait for it to be ACTIVE. */
  build(name: string): Promise<string>;
}

export const FUZZ_LEAF = 'api!c1!g11';

export async function startFuzzTree(log: Logger, dbFile: (c: PlanCell) => string): Promise<FuzzTree> {
  const plan = treePlan({ children: 2, grandchildren: 2, hostsPerLeaf: 2 });
  const f = plan.flavors.find((x) => x.name === 'm1.tiny')!;
  const tiny = { id: f.id, name: f.name, vcpus: f.vcpus, memoryMb: f.ram, rootGb: f.disk, ephemeralGb: f.ephemeral, swapMb: f.swap, extraSpecs: f.extra_specs };
  const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-bus-fuzz' };
  const tree = await startSecureTree(plan, log, dbFile, (p) => p === 'api!c1!g12' || p === 'api!c2' || p.startsWith('api!c2!'));
  const corpus = new Corpus();
  corpus.tap(tree.brokers.values());
  const active = async (uuid: string) => {
    const i = await tree.api.get(uuid, ctx);
    return i.vmState === 'active' && i.taskState === null;
  };
  const build = async (name: string): Promise<string> => {
    const made = await tree.api.create({ name, flavor: tiny, image: { id: 'cirros', properties: {} } }, ctx);
    const uuid = made.instanceUuids[0]!;
    await until(`${name} ACTIVE`, () => active(uuid), 60_000);
    return uuid;
  };
  await until('the tree has room for a tiny server', () => (tree.apiCell.capacity().units[tiny.id] ?? 0) > 0, 60_000);
  // Real traffic for the corpus: a build, a stop, a start and a console log of the victim.
  const uuid = await build('victim');
  await tree.api.powerAction(uuid, 'stop', ctx);
  await until('victim stopped', async () => (await tree.api.get(uuid, ctx)).vmState === 'stopped', 60_000);
  await tree.api.powerAction(uuid, 'start', ctx);
  await until('victim active again', () => active(uuid), 60_000);
  await tree.api.consoleOutput(uuid, 10, ctx);
  corpus.freeze();
  // The attacking host is the one without the victim.
  const owner = (await tree.api.get(uuid, ctx)).host!;
  const attacker = plan.hosts.find((h) => h.cell === FUZZ_LEAF && h.name !== owner)!.name;
  const creds = [computeCredential(FUZZ_LEAF, attacker), linkCredential('api!c1', 'api!c1!g12'), linkCredential('api', 'api!c2')];
  return { tree, plan, corpus, creds, build };
}
