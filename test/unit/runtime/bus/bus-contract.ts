/**
 * The behaviour every Bus transport must show, written once and run against each (memory, MQTT).
 * Time only moves when a test advances the VirtualClock; network events are awaited, never slept on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import {
  InstanceInvalidState,
  InvalidMessage,
  MessagingTimeout,
  NovaError,
} from '../../../../runtime/errors/index.ts';
import type { Bus, BusLogger, Envelope } from '../../../../runtime/bus/index.ts';
import { collector, RecordingLog } from './helpers.ts';

export interface BusWorld {
  clock: VirtualClock;
  /** A new connected client on the shared broker/hub, using the test registry. */
  bus(clientId: string, log?: BusLogger): Promise<Bus>;
  /** Put raw text on a topic, bypassing every encoder. */
  publishRaw(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Tracks whether a promise has settled, without leaving a rejection unhandled. */
function track<T>(p: Promise<T>) {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  const done = p.then(
    (v) => void Object.assign(state, { settled: true, value: v }),
    (e: unknown) => void Object.assign(state, { settled: true, error: e }),
  );
  return { state, done };
}

export function describeBusContract(name: string, makeWorld: () => Promise<BusWorld>): void {
  describe(`${name}: the Bus contract`, () => {
    let world: BusWorld;
    let caller: Bus;
    let server: Bus;
    let serverLog: RecordingLog;

    beforeEach(async () => {
      world = await makeWorld();
      serverLog = new RecordingLog();
      caller = await world.bus('api-1');
      server = await world.bus('conductor-1', serverLog);
    });
    afterEach(async () => {
      await caller.close();
      await server.close();
      await world.close();
    });

    it('delivers a cast with its type, newest version, request id and a uuid message id', async () => {
      const c = collector();
      await server.subscribe('cell/eu/conductor', c.handler);
      await caller.cast('cell/eu/conductor', { type: 'test.ping', reqId: 'req-1', body: { n: 7 } });
      await c.nth(1);
      const { msg, topic } = c.received[0]!;
      expect(topic).toBe('cell/eu/conductor');
      expect(msg).toMatchObject({ type: 'test.ping', v: 1, reqId: 'req-1', body: { n: 7 } });
      expect(msg.id).toMatch(UUID4);
      expect(msg.replyTo).toBeUndefined();
    });

    it('answers a call with the handler result, sync or async', async () => {
      await server.subscribe('svc/echo', async (m: Envelope) => ({ text: (m.body as { text: string }).text.toUpperCase() }));
      await server.subscribe('svc/nothing', () => undefined);
      await expect(caller.call('svc/echo', { type: 'test.echo', body: { text: 'hi' } })).resolves.toEqual({ text: 'HI' });
      await expect(caller.call('svc/nothing', { type: 'test.ping', body: { n: 1 } })).resolves.toBeNull();
    });

    it('matches concurrent replies to their own calls', async () => {
      const answers: (() => void)[] = [];
      let bothArrived!: () => void;
      const arrived = new Promise<void>((r) => (bothArrived = r));
      await server.subscribe('svc/slow', (m: Envelope) =>
        new Promise((resolve) => {
          answers.push(() => resolve(m.body));
          if (answers.length === 2) bothArrived();
        }),
      );
      const first = caller.call('svc/slow', { type: 'test.ping', body: { n: 1 } });
      const second = caller.call('svc/slow', { type: 'test.ping', body: { n: 2 } });
      await arrived;
      answers[1]!();
      answers[0]!();
      expect(await Promise.all([first, second])).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it('re-raises a remote NovaError as the same class, code and message', async () => {
      await server.subscribe('svc/fail', (m: Envelope) => {
        if ((m.body as { kind: string }).kind === 'nova') throw new InstanceInvalidState('Instance is in vm_state building');
        throw new Error('disk on fire');
      });
      const nova = await caller.call('svc/fail', { type: 'test.fail', body: { kind: 'nova' } }).catch((e: unknown) => e);
      expect(nova).toBeInstanceOf(InstanceInvalidState);
      expect(nova).toMatchObject({ code: 409, message: 'Instance is in vm_state building' });
      const plain = await caller.call('svc/fail', { type: 'test.fail', body: { kind: 'plain' } }).catch((e: unknown) => e);
      expect(plain).toBeInstanceOf(NovaError);
      expect(plain).toMatchObject({ name: 'NovaError', code: 500, message: 'disk on fire' });
    });

    it('fails a call nobody answers with MessagingTimeout, after its timeout and not before', async () => {
      const short = track(caller.call('nobody/home', { type: 'test.ping', body: { n: 1 } }, { timeoutMs: 5_000 }));
      const dflt = track(caller.call('nobody/home', { type: 'test.ping', body: { n: 2 } }));
      await world.clock.advance(4_999);
      expect(short.state.settled).toBe(false);
      await world.clock.advance(1);
      await short.done;
      expect(short.state.error).toBeInstanceOf(MessagingTimeout);
      expect((short.state.error as NovaError).code).toBe(504);
      await world.clock.advance(60_000 - 5_000 - 1);
      expect(dflt.state.settled).toBe(false);
      await world.clock.advance(1);
      await dflt.done;
      expect(dflt.state.error).toBeInstanceOf(MessagingTimeout);
    });

    it('routes + and # wildcard subscriptions', async () => {
      const plus = collector();
      const hash = collector();
      await server.subscribe('cells/+/compute', plus.handler);
      await server.subscribe('cells/#', hash.handler);
      await caller.cast('cells/eu/compute', { type: 'test.ping', body: { n: 1 } });
      await caller.cast('cells/eu/fra1/compute', { type: 'test.ping', body: { n: 2 } });
      await hash.nth(2);
      expect(hash.bodies()).toEqual([{ n: 1 }, { n: 2 }]);
      expect(plus.received.map((r) => r.topic)).toEqual(['cells/eu/compute']);
    });

    it('rejects malformed messages (garbage, invalid body, unknown type) and keeps working', async () => {
      const c = collector();
      await server.subscribe('cell/in', c.handler);
      await world.publishRaw('cell/in', '{this is not json');
      await serverLog.until('warn', 1);
      await caller.cast('cell/in', { type: 'test.ping', body: { n: 'seven' } });
      await serverLog.until('warn', 2);
      await caller.cast('cell/in', { type: 'test.unheard_of', body: {} });
      await serverLog.until('warn', 3);
      await world.publishRaw('cell/in', JSON.stringify({ type: 'test.ping', body: { n: 1 } })); // no id, no v
      await serverLog.until('warn', 4);
      expect(serverLog.warnings.join('\n')).toMatch(/not JSON[\s\S]*invalid test\.ping v1[\s\S]*unknown message type test\.unheard_of[\s\S]*bad envelope/);
      await caller.cast('cell/in', { type: 'test.ping', body: { n: 8 } });
      await c.nth(1);
      expect(c.bodies()).toEqual([{ n: 8 }]);
    });

    it('answers a call with an invalid body or unknown type with InvalidMessage instead of hanging', async () => {
      const c = collector(() => 'should not run');
      await server.subscribe('svc/strict', c.handler);
      const bad = await caller.call('svc/strict', { type: 'test.ping', body: { n: 1.5 } }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(InvalidMessage);
      expect((bad as NovaError).code).toBe(400);
      expect((bad as Error).message).toMatch(/invalid test\.ping v1/);
      const unknown = await caller.call('svc/strict', { type: 'test.nope', body: {} }).catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(InvalidMessage);
      expect(c.received).toHaveLength(0);
      await expect(caller.call('svc/strict', { type: 'test.ping', body: { n: 2 } })).resolves.toBe('should not run');
    });

    it('refuses a call whose replyTo is not a reply topic of this broker: the handler does not run, nothing is published there', async () => {
      const c = collector(() => 'answered');
      await server.subscribe('svc/strict', c.handler);
      const victim = collector();
      await caller.subscribe('cell/eu/compute/h2', victim.handler);
      const forged = (replyTo: string, body: unknown) => JSON.stringify({ type: 'test.ping', v: 1, id: `f-${replyTo}`, corrId: 'c-1', replyTo, body });
      // Another service's topic, a wildcard, a level below a reply topic, another prefix; then a malformed call likewise.
      const bad = ['cell/eu/compute/h2', 'nova/reply/+', 'nova/reply/api-1/x', 'other/reply/api-1', 'nova/reply/'];
      for (const t of bad) await world.publishRaw('svc/strict', forged(t, { n: 1 }));
      await world.publishRaw('svc/strict', forged('cell/eu/compute/h2', { n: 'x' }));
      await serverLog.until('warn', bad.length + 2);
      expect(serverLog.warnings.filter((w) => /reply topic is not the sender's own/.test(w))).toHaveLength(bad.length + 1);
      // A real call from a client's own reply topic is still answered, and the victim heard nothing.
      await expect(caller.call('svc/strict', { type: 'test.ping', body: { n: 2 } })).resolves.toBe('answered');
      expect(c.bodies()).toEqual([{ n: 2 }]);
      expect(victim.received).toHaveLength(0);
    });

    it('survives a handler that throws on a cast', async () => {
      let calls = 0;
      const c = collector((m) => {
        calls++;
        if ((m.body as { n: number }).n === 1) throw new Error('boom');
      });
      await server.subscribe('cell/flaky', c.handler);
      await caller.cast('cell/flaky', { type: 'test.ping', body: { n: 1 } });
      await serverLog.until('error', 1);
      await caller.cast('cell/flaky', { type: 'test.ping', body: { n: 2 } });
      await c.nth(2);
      expect(calls).toBe(2);
      expect(serverLog.errors).toHaveLength(1);
      expect(server.connected()).toBe(true);
    });

    it('stops delivering to a handler once unsubscribed', async () => {
      const gone = collector();
      const kept = collector();
      const sub = await server.subscribe('cell/gone', gone.handler);
      await server.subscribe('cell/kept', kept.handler);
      await sub.unsubscribe();
      await caller.cast('cell/gone', { type: 'test.ping', body: { n: 1 } });
      await caller.cast('cell/kept', { type: 'test.ping', body: { n: 2 } });
      await kept.nth(1);
      expect(gone.received).toHaveLength(0);
    });

    it('fails calls still waiting when the bus closes', async () => {
      const pending = caller.call('nobody/home', { type: 'test.ping', body: { n: 1 } }).catch((e: unknown) => e);
      await caller.close();
      expect(await pending).toBeInstanceOf(NovaError);
      expect(caller.connected()).toBe(false);
    });
  });
}
