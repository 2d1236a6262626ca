/**
 * MemoryBus: the shared Bus contract, plus what the simulator relies on — link delay on the virtual
 * clock, FIFO delivery, and link cuts that queue (persistent session) rather than lose messages.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { MemoryBus, MemoryHub, type BusLogger } from '../../../../runtime/bus/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { describeBusContract } from './bus-contract.ts';
import { collector, RecordingLog, testRegistry } from './helpers.ts';

function world(delay?: (from: string, topic: string) => number) {
  const hub = new MemoryHub();
  const clock = new VirtualClock();
  const rng = new SeededRng('memory-bus-test');
  const registry = testRegistry();
  const make = (clientId: string, opts: { log?: BusLogger; clean?: boolean; trusted?: boolean } = {}) =>
    new MemoryBus({
      hub, clientId, clock, rng: rng.stream(clientId), registry, topicPrefix: 'nova', delay, log: opts.log ?? new RecordingLog(), clean: opts.clean,
      trusted: opts.trusted,
    });
  return { hub, clock, make };
}

describeBusContract('MemoryBus', async () => {
  const w = world();
  return {
    clock: w.clock,
    bus: async (clientId, log) => w.make(clientId, { log }),
    publishRaw: async (topic, payload) => w.hub.publish(topic, payload),
    close: async () => {},
  };
});

describe('MemoryBus on a MemoryHub', () => {
  it('validates on receipt unless every client is trusted in-process code (the simulator)', async () => {
    const w = world();
    const sender = w.make('api-1');
    const strictLog = new RecordingLog();
    const strict = w.make('cell-1', { log: strictLog });
    const trusted = w.make('cell-2', { trusted: true });
    const [a, b] = [collector(), collector()];
    await strict.subscribe('cell/in', a.handler);
    await trusted.subscribe('cell/in', b.handler);
    await sender.cast('cell/in', { type: 'test.ping', body: { n: 'not a number' } });
    await w.clock.advance(0);
    expect(a.received).toHaveLength(0);
    expect(strictLog.warnings.join('\n')).toMatch(/invalid test\.ping v1/);
    // Trusted: parsed from its JSON copy, not validated.
    expect(b.bodies()).toEqual([{ n: 'not a number' }]);
  });

  it('between trusted clients a handed-over body arrives as the very object sent, any other body as a copy', async () => {
    const w = world();
    const api = w.make('api-1', { trusted: true });
    const cell = w.make('cell-1', { trusted: true });
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    const given = { n: 1 };
    const kept = { n: 2 };
    const context = { userId: 'u', projectId: 'p', roles: ['member'] };
    await api.cast('cell/in', { type: 'test.ping', body: given, handOver: true, context });
    await api.cast('cell/in', { type: 'test.ping', body: kept });
    await c.nth(2);
    const [first, second] = c.received.map((r) => r.msg);
    expect(first!.body).toBe(given);
    expect(first!.context).toEqual(context);
    expect(first!.context).not.toBe(context); // the envelope around a handed-over body is still a copy
    expect(second!.body).toEqual(kept);
    expect(second!.body).not.toBe(kept);
  });

  it('an untrusted client ignores handOver: the receiver gets what the wire gives', async () => {
    const w = world();
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    const given = { n: 1 };
    await api.cast('cell/in', { type: 'test.ping', body: given, handOver: true });
    await c.nth(1);
    expect(c.bodies()).toEqual([{ n: 1 }]);
    expect(c.bodies()[0]).not.toBe(given);
  });

  it('delivers after the link delay on the virtual clock, in send order', async () => {
    const w = world((from) => (from === 'api-1' ? 50 : 0));
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    for (let n = 1; n <= 3; n++) await api.cast('cell/in', { type: 'test.ping', body: { n } });
    await w.clock.advance(49);
    expect(c.received).toHaveLength(0);
    await w.clock.advance(1);
    expect(c.bodies()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('a call over a delayed link costs a round trip of virtual time', async () => {
    const w = world(() => 20);
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    await cell.subscribe('svc', () => 'pong');
    const started = w.clock.now();
    const reply = api.call('svc', { type: 'test.ping', body: { n: 1 } });
    await w.clock.advance(40);
    await expect(reply).resolves.toBe('pong');
    expect(w.clock.now() - started).toBe(40);
  });

  it('queues messages for a disconnected client and delivers them in order on reconnect', async () => {
    const w = world();
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    cell.disconnect();
    expect(cell.connected()).toBe(false);
    await api.cast('cell/in', { type: 'test.ping', body: { n: 1 } });
    await api.cast('cell/in', { type: 'test.ping', body: { n: 2 } });
    await w.clock.advance(0);
    expect(c.received).toHaveLength(0);
    expect(w.hub.queuedFor('cell-1')).toBe(2);
    cell.reconnect();
    await api.cast('cell/in', { type: 'test.ping', body: { n: 3 } });
    await c.nth(3);
    expect(c.bodies()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('queues a message already in flight when the link is cut before it lands', async () => {
    const w = world(() => 10);
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    await api.cast('cell/in', { type: 'test.ping', body: { n: 1 } });
    cell.disconnect();
    await w.clock.advance(10);
    expect(c.received).toHaveLength(0);
    cell.reconnect();
    await c.nth(1);
    expect(c.bodies()).toEqual([{ n: 1 }]);
  });

  it('hands the queued messages to a new client with the same id once it subscribes', async () => {
    const w = world();
    const api = w.make('api-1');
    const old = w.make('cell-1');
    await old.subscribe('cell/in', () => undefined);
    old.disconnect();
    await api.cast('cell/in', { type: 'test.ping', body: { n: 1 } });
    await api.cast('cell/in', { type: 'test.ping', body: { n: 2 } });
    const restarted = w.make('cell-1');
    await w.clock.advance(0); // the backlog arrives before anyone listens: it must wait, not vanish
    const c = collector();
    await restarted.subscribe('cell/in', c.handler);
    await c.nth(2);
    expect(c.bodies()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('holds what a disconnected client sends until the link is back', async () => {
    const w = world();
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    const c = collector();
    await cell.subscribe('cell/in', c.handler);
    api.disconnect();
    let accepted = false;
    const sent = api.cast('cell/in', { type: 'test.ping', body: { n: 1 } }).then(() => (accepted = true));
    await w.clock.advance(0);
    expect(accepted).toBe(false);
    expect(c.received).toHaveLength(0);
    api.reconnect();
    await sent;
    await c.nth(1);
    expect(c.bodies()).toEqual([{ n: 1 }]);
  });

  it('keeps an in-flight call waiting across a link cut of the server', async () => {
    const w = world();
    const api = w.make('api-1');
    const cell = w.make('cell-1');
    await cell.subscribe('svc', () => 'done');
    cell.disconnect();
    const reply = api.call('svc', { type: 'test.ping', body: { n: 1 } }, { timeoutMs: 1_000 });
    await w.clock.advance(500);
    cell.reconnect();
    await expect(reply).resolves.toBe('done');
  });

  it('a clean session is dropped on close, a persistent one is kept', async () => {
    const w = world();
    const api = w.make('api-1');
    const persistent = w.make('keep-1');
    const clean = w.make('temp-1', { clean: true });
    await persistent.subscribe('t', () => undefined);
    await clean.subscribe('t', () => undefined);
    await persistent.close();
    await clean.close();
    await api.cast('t', { type: 'test.ping', body: { n: 1 } });
    await w.clock.advance(0);
    expect(w.hub.hasSession('temp-1')).toBe(false);
    expect(w.hub.queuedFor('keep-1')).toBe(1);
  });
});
