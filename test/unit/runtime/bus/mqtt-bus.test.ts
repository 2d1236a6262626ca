/**
 * MqttBus against a real embedded aedes broker on an ephemeral port: the shared Bus contract, plus batches
 * of envelopes per MQTT message, persistent sessions across disconnects, automatic reconnect, and the broker's authentication and ACLs.
 */
import type { Client } from 'aedes';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { Forbidden, Unauthorized } from '../../../../runtime/errors/index.ts';
import { MqttBus, startBroker, type Broker, type BrokerOptions, type BusLogger } from '../../../../runtime/bus/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { MAX_BATCH_ENVELOPES } from '../../../../runtime/bus/mqtt/publish-batch.ts';
import { describeBusContract } from './bus-contract.ts';
import { collector, RecordingLog, testRegistry } from './helpers.ts';

const quiet = new RecordingLog();

async function world(brokerOpts: Partial<BrokerOptions> = {}) {
  const broker = await startBroker({ port: 0, log: quiet, ...brokerOpts });
  const clock = new VirtualClock();
  const rng = new SeededRng('mqtt-bus-test');
  const registry = testRegistry();
  const buses: MqttBus[] = [];
  const connect = async (clientId: string, extra: { log?: BusLogger; username?: string; password?: string; reconnectPeriodMs?: number } = {}) => {
    const bus = await MqttBus.connect({ url: broker.url, clientId, clock, rng: rng.stream(clientId), registry, topicPrefix: 'nova', log: extra.log ?? new RecordingLog(), ...extra });
    buses.push(bus);
    return bus;
  };
  const close = async () => {
    for (const b of buses) await b.close();
    await broker.close();
  };
  return { broker, clock, connect, close };
}

/** Resolves with the broker's client object when the broker reports `event` for `clientId`. */
function brokerEvent(broker: Broker, event: 'clientReady' | 'clientDisconnect', clientId: string): Promise<Client> {
  return new Promise((resolve) => {
    const on = (client: Client) => {
      if (client.id !== clientId) return;
      broker.aedes.off(event, on);
      resolve(client);
    };
    broker.aedes.on(event, on);
  });
}

describeBusContract('MqttBus', async () => {
  const w = await world();
  const raw = await connectAsync(w.broker.url, { clientId: 'raw-publisher', clean: true });
  return {
    clock: w.clock,
    bus: (clientId, log) => w.connect(clientId, { log }),
    publishRaw: async (topic, payload) => void (await raw.publishAsync(topic, payload, { qos: 1 })),
    close: async () => {
      await raw.endAsync();
      await w.close();
    },
  };
});

describe('MqttBus batches, sessions and broker security', () => {
  let w: Awaited<ReturnType<typeof world>> | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('delivers QoS 1 messages sent while a persistent subscriber was away once it is back', async () => {
    w = await world();
    const api = await w.connect('api-1');
    const first = await w.connect('cell-1');
    await first.subscribe('cell/in', () => undefined);
    const gone = brokerEvent(w.broker, 'clientDisconnect', 'cell-1');
    await first.close();
    await gone;
    await api.cast('cell/in', { type: 'test.ping', body: { n: 1 } });
    await api.cast('cell/in', { type: 'test.ping', body: { n: 2 } });
    const back = await w.connect('cell-1');
    const c = collector();
    await back.subscribe('cell/in', c.handler);
    await c.nth(2);
    expect(c.bodies()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('reconnects by itself after the link drops and answers a call made meanwhile', async () => {
    w = await world();
    const api = await w.connect('api-1');
    const ready = brokerEvent(w.broker, 'clientReady', 'cell-1');
    const cell = await w.connect('cell-1', { reconnectPeriodMs: 20 });
    await cell.subscribe('svc', () => 'still here');
    const brokerSide = await ready;
    const dropped = brokerEvent(w.broker, 'clientDisconnect', 'cell-1');
    const back = brokerEvent(w.broker, 'clientReady', 'cell-1');
    brokerSide.conn.destroy(); // the TCP link dies without an MQTT DISCONNECT
    await dropped;
    const reply = api.call('svc', { type: 'test.ping', body: { n: 1 } });
    await back;
    await expect(reply).resolves.toBe('still here');
    expect(cell.connected()).toBe(true);
  });

  it('refuses a client with bad credentials and admits one with good ones', async () => {
    w = await world({ authenticate: (_id, user, pass) => user === 'cell-1' && pass === 's3cret' });
    await expect(w.connect('cell-1', { username: 'cell-1', password: 'wrong' })).rejects.toBeInstanceOf(Unauthorized);
    await expect(w.connect('cell-2')).rejects.toBeInstanceOf(Unauthorized);
    const ok = await w.connect('cell-1', { username: 'cell-1', password: 's3cret' });
    expect(ok.connected()).toBe(true);
  });

  it('fails to connect to a broker that is not there instead of waiting forever', async () => {
    const gone = await startBroker({ port: 0, log: quiet });
    await gone.close();
    const attempt = MqttBus.connect({ url: gone.url, clientId: 'lonely', clock: new VirtualClock(), rng: new SeededRng('x').stream('x'), registry: testRegistry(), topicPrefix: 'nova', log: quiet });
    await expect(attempt).rejects.toThrow(/MQTT connection failed/);
  });

  it('denies a subscription the ACL forbids, and the connection keeps working', async () => {
    w = await world({
      authorizeSubscribe: (clientId, _user, pattern) => pattern.startsWith(`compute/${clientId}/`) || pattern.startsWith('nova/reply/'),
    });
    const api = await w.connect('api-1');
    const host = await w.connect('host-1');
    await expect(host.subscribe('compute/host-2/#', () => undefined)).rejects.toBeInstanceOf(Forbidden);
    const c = collector();
    await host.subscribe('compute/host-1/build', c.handler);
    await api.cast('compute/host-1/build', { type: 'test.ping', body: { n: 1 } });
    await c.nth(1);
    expect(host.connected()).toBe(true);
  });

  it('sends what one turn casts to a topic as one MQTT message, and the subscriber gets every envelope in order', async () => {
    w = await world();
    const api = await w.connect('api-1');
    const cell = await w.connect('cell-1');
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    const packets: string[] = [];
    w.broker.aedes.on('publish', (p, client) => void (client?.id === 'api-1' && p.topic === 'cell/in' && packets.push(p.payload.toString())));
    await Promise.all(Array.from({ length: 50 }, (_, n) => api.cast('cell/in', { type: 'test.ping', body: { n } })));
    await c.nth(50);
    expect(c.bodies()).toEqual(Array.from({ length: 50 }, (_, n) => ({ n })));
    expect(packets).toHaveLength(1);
    expect(packets[0]!.startsWith('[')).toBe(true);
    // Calls and their replies batch too: 20 calls in one turn, 20 answers.
    await cell.subscribe('svc', (m) => (m.body as { n: number }).n * 2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => api.call('svc', { type: 'test.ping', body: { n } })));
    expect(answers).toEqual(Array.from({ length: 20 }, (_, n) => n * 2));
  });

  it('judges each envelope of a batch on its own: a bad one is refused or answered, the rest are delivered', async () => {
    const serverLog = new RecordingLog();
    w = await world();
    const cell = await w.connect('cell-1', { log: serverLog });
    const caller = await w.connect('caller');
    const c = collector(() => 'ok');
    await cell.subscribe('cell/in', c.handler);
    const raw = await connectAsync(w.broker.url, { clientId: 'raw', clean: true });
    const replies: string[] = [];
    await raw.subscribeAsync('nova/reply/raw', { qos: 1 });
    raw.on('message', (_t, p) => replies.push(p.toString()));
    const ping = (id: string, body: unknown, call = false) => ({ type: 'test.ping', v: 1, id, body, ...(call ? { replyTo: 'nova/reply/raw', corrId: id } : {}) });
    await raw.publishAsync('cell/in', JSON.stringify([ping('a', { n: 1 }), ping('b', { n: 'x' }, true), { no: 'envelope' }, ping('c', { n: 2 })]), { qos: 1 });
    await c.nth(2);
    expect(c.bodies()).toEqual([{ n: 1 }, { n: 2 }]);
    await serverLog.until('warn', 2);
    expect(serverLog.warnings.join('\n')).toMatch(/invalid test\.ping v1[\s\S]*bad envelope/);
    // Not an array of envelopes, or too many: refused whole, nothing runs.
    await raw.publishAsync('cell/in', '[{"type":', { qos: 1 });
    await raw.publishAsync('cell/in', JSON.stringify(Array.from({ length: MAX_BATCH_ENVELOPES + 1 }, (_, i) => ping(`m${i}`, { n: 3 }))), { qos: 1 });
    await raw.publishAsync('cell/in', '[]', { qos: 1 });
    await serverLog.until('warn', 5);
    expect(serverLog.warnings.slice(2).join('\n')).toMatch(/not JSON[\s\S]*bad batch[\s\S]*bad batch/);
    await caller.cast('cell/in', { type: 'test.ping', body: { n: 4 } });
    await c.nth(3);
    expect(c.bodies()).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
    // The bad call was answered with InvalidMessage, not left to time out.
    await new Promise<void>((r) => (replies.length > 0 ? r() : raw.once('message', () => r())));
    expect(JSON.parse(replies[0]!)).toMatchObject({ type: 'reply', corrId: 'b', body: { ok: false, error: { name: 'InvalidMessage' } } });
    await raw.endAsync();
  });
});
