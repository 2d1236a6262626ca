/**
 * Broker security of one process per cell, on a real embedded broker: a compute agent logs in with its
 * own derived password and client id, and can read only its own host's topic and reply topic — not
 * another host's, not the conductor's, not a wildcard — and cannot publish to another host; a child
 * link reaches only its down/up topics; wrong passwords and borrowed client ids are refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startBroker, type Broker } from '../../runtime/bus/index.ts';
import { brokerGuards, brokerPassword, passwordVerifier, type BrokerCell } from '../../cells/security/index.ts';
import { until } from '../support/waits.ts';

const SECRET = 'a'.repeat(64);
const CELL: BrokerCell = { path: 'api!eu!fra1', childPaths: [], hostNames: ['h1', 'h2'] };
const PARENT: BrokerCell = { path: 'api!eu', childPaths: ['api!eu!fra1', 'api!eu!ams1'], hostNames: [] };
const T = {
  h1: 'nc/api!eu!fra1/compute/h1', h2: 'nc/api!eu!fra1/compute/h2', conductor: 'nc/api!eu!fra1/conductor',
  h1Reports: 'nc/api!eu!fra1/conductor/h1', h2Reports: 'nc/api!eu!fra1/conductor/h2',
};

let broker: Broker;
const clients: MqttClient[] = [];

async function start(cell: BrokerCell) {
  broker = await startBroker({ port: 0, ...brokerGuards(cell, passwordVerifier(SECRET, cell.path)), log: silent });
}
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Connect with MQTT 3.1.1; resolves with the client, or rejects with the CONNACK refusal. */
function login(cell: BrokerCell, username: string, clientId: string, password = brokerPassword(SECRET, cell.path, username)): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(broker.url, { clientId, username, password, protocolVersion: 4, reconnectPeriod: 0, clean: true });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

async function granted(c: MqttClient, pattern: string): Promise<number> {
  const g = await c.subscribeAsync(pattern, { qos: 1 }).catch((e: { packet?: { granted?: number[] } }) => e.packet?.granted?.map((q) => ({ qos: q })));
  return (g as Array<{ qos: number }>)[0]!.qos;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker?.close();
});

describe('broker ACLs for one process per cell', () => {
  it("a compute agent reads its own host's topic only, never another host's or the conductor's", async () => {
    await start(CELL);
    const h1 = await login(CELL, 'compute@h1', 'compute:h1');
    const conductor = await login(CELL, 'cell@api!eu!fra1', 'api!eu!fra1:conductor');
    const received: string[] = [];
    h1.on('message', (topic) => received.push(topic));

    expect(await granted(h1, T.h1)).toBe(1);
    expect(await granted(h1, 'nc/api!eu!fra1/reply/compute:h1')).toBe(1);
    for (const p of [T.h2, T.conductor, 'nc/api!eu!fra1/compute/+', 'nc/api!eu!fra1/#', '#', 'nc/api!eu!fra1/reply/api!eu!fra1:conductor']) {
      expect(await granted(h1, p), p).toBe(128);
    }
    // The conductor talks to both hosts and casts on its own topic: h1 sees only what is for h1.
    await conductor.publishAsync(T.h2, 'for h2', { qos: 1 });
    await conductor.publishAsync(T.conductor, 'for the conductor', { qos: 1 });
    await conductor.publishAsync(T.h1, 'for h1', { qos: 1 });
    await until('h1 got its own message', () => received.includes(T.h1));
    expect(received).toEqual([T.h1]);

    // It may report to the conductor on its own report topic…
    const got: string[] = [];
    conductor.on('message', (_t, p) => got.push(p.toString()));
    expect(await granted(conductor, `${T.conductor}/#`)).toBe(1);
    await h1.publishAsync(T.h1Reports, 'report', { qos: 1 });
    await until('the conductor got the report', () => got.includes('report'));
    // …but publishing to another host's topic gets it disconnected, and h2 never sees it.
    const h2 = await login(CELL, 'compute@h2', 'compute:h2');
    const h2got: string[] = [];
    h2.on('message', (_t, p) => h2got.push(p.toString()));
    expect(await granted(h2, T.h2)).toBe(1);
    const closed = new Promise<void>((r) => h1.once('close', () => r()));
    h1.publish(T.h2, 'forged', { qos: 1 });
    await closed;
    await conductor.publishAsync(T.h2, 'real', { qos: 1 });
    await until('h2 got the real message', () => h2got.includes('real'));
    expect(h2got).toEqual(['real']);
  });

  it('refuses a wrong password, another host\'s password, and a borrowed client id', async () => {
    await start(CELL);
    await expect(login(CELL, 'compute@h1', 'compute:h1', 'wrong')).rejects.toThrow(/Bad username or password/);
    await expect(login(CELL, 'compute@h1', 'compute:h1', brokerPassword(SECRET, CELL.path, 'compute@h2'))).rejects.toThrow(/Bad username or password/);
    await expect(login(CELL, 'compute@h1', 'api!eu!fra1:conductor')).rejects.toThrow(/Bad username or password/);
    await expect(login(CELL, 'compute@h9', 'compute:h9')).rejects.toThrow(/Bad username or password/);
    // The same host's password for another cell's broker does not open this one.
    await expect(login(CELL, 'compute@h1', 'compute:h1', brokerPassword(SECRET, 'api!eu!ams1', 'compute@h1'))).rejects.toThrow(/Bad username or password/);
    await expect(login(CELL, 'compute@h1', 'compute:h1')).resolves.toBeDefined();
  });

  it("a child's link reaches only its own down and up topics on its parent's broker", async () => {
    await start(PARENT);
    const link = await login(PARENT, 'link@api!eu!fra1', 'link:api!eu!fra1');
    expect(await granted(link, 'nc/api!eu/down/api!eu!fra1')).toBe(1);
    expect(await granted(link, 'nc/api!eu/reply/link:api!eu!fra1')).toBe(1);
    expect(await granted(link, 'nc/api!eu/down/api!eu!ams1')).toBe(128);
    expect(await granted(link, 'nc/api!eu/up/api!eu!fra1')).toBe(128);
    expect(await granted(link, 'nc/api!eu/down/+')).toBe(128);
    await link.publishAsync('nc/api!eu/up/api!eu!fra1', '{}', { qos: 1 });
    await link.publishAsync('nc/api!eu/reply/api!eu:cell', '{}', { qos: 1 });
    const closed = new Promise<void>((r) => link.once('close', () => r()));
    link.publish('nc/api!eu/down/api!eu!ams1', '{}', { qos: 1 });
    await closed;
  });
});
