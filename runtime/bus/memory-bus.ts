/**
 * MemoryBus: a Bus client on a MemoryHub, for unit tests and the simulator. Envelopes are serialised to
 * JSON and validated on receipt exactly as on the wire (trusted clients, the simulator's, hand over a
 * copy JSON would give instead: see jsonCopy; a body sent with `handOver` is passed on as it is). `disconnect()` / `reconnect()` cut and restore the link
 * the way a dropped MQTT connection would: the session keeps queuing QoS-1 messages, and what this
 * client sends meanwhile waits in its outbox (its cast promise resolves once the hub has it).
 */
import type { Clock } from '../clock/index.ts';
import { NovaError } from '../errors/index.ts';
import type { RandomStream } from '../rng/index.ts';
import { replyTopic, type Bus, type CallOptions, type Handler, type OutgoingMessage, type Subscription } from './bus.ts';
import { defaultBusLogger, type BusLogger } from './bus-log.ts';
import { BusEndpoint, type Payload, type ReplySenderOf } from './endpoint.ts';
import { MemoryHub, type HubClient } from './memory-hub.ts';
import { messages, type MessageRegistry } from './messages.ts';

export { MemoryHub } from './memory-hub.ts';

export interface MemoryBusOptions {
  hub: MemoryHub;
  clientId: string;
  clock: Clock;
  rng: RandomStream;
  registry?: MessageRegistry;
  log?: BusLogger;
  /** Prefix of this client's reply topic (see replyTopic). */
  topicPrefix: string;
  /** Link latency in ms for a message from `fromClientId` on `topic`; 0 delivers in a microtask. */
  delay?: (fromClientId: string, topic: string) => number;
  /** Start a fresh session and drop it on close (MQTT clean session). Default false: persistent. */
  clean?: boolean;
  /** Last will, published by the hub when the link is cut (`disconnect()`), as an MQTT broker does. */
  will?: { topic: string; type: string; body: unknown };
  /** Who sends on each topic and which reply topics are theirs: a call's forged replyTo is refused (see EndpointOptions). */
  replySender?: ReplySenderOf;
  /** Every client of the hub is this process's own code: no schema validation on receipt (the simulator). */
  trusted?: boolean;
}

type LinkState = 'connected' | 'disconnected' | 'closed';

export class MemoryBus implements Bus, HubClient {
  readonly clientId: string;
  private readonly endpoint: BusEndpoint;
  private state: LinkState = 'connected';
  private readonly reconnectListeners: Array<() => void> = [];
  private outbox: { topic: string; payload: Payload; accepted: () => void; failed: (e: Error) => void }[] = [];

  constructor(private readonly o: MemoryBusOptions) {
    this.clientId = o.clientId;
    this.endpoint = new BusEndpoint({
      clientId: o.clientId,
      clock: o.clock,
      rng: o.rng,
      registry: o.registry ?? messages,
      log: o.log ?? defaultBusLogger(),
      replyTopic: replyTopic(o.topicPrefix, o.clientId),
      publish: (topic, payload) => this.publish(topic, payload),
      trusted: o.trusted,
      replySender: o.replySender,
    });
    o.hub.attach(o.clientId, this, o.clean ?? false);
    o.hub.subscribe(o.clientId, replyTopic(o.topicPrefix, o.clientId));
  }

  cast(topic: string, msg: OutgoingMessage): Promise<void> {
    return this.endpoint.cast(topic, msg);
  }

  call<R = unknown>(topic: string, msg: OutgoingMessage, opts?: CallOptions): Promise<R> {
    return this.endpoint.call<R>(topic, msg, opts);
  }

  async subscribe(pattern: string, handler: Handler): Promise<Subscription> {
    if (this.state === 'closed') throw new NovaError(`Bus ${this.clientId} is closed`);
    this.o.hub.subscribe(this.clientId, pattern);
    this.endpoint.addHandler(pattern, handler);
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        if (this.endpoint.removeHandler(pattern, handler)) this.o.hub.unsubscribe(this.clientId, pattern);
      },
    };
  }

  connected(): boolean {
    return this.state === 'connected';
  }

  /** Cut the link: the hub queues this client's messages; sends wait in the outbox. */
  disconnect(): void {
    if (this.state !== 'connected') return;
    this.state = 'disconnected';
    this.o.hub.detach(this.clientId, this);
    const w = this.o.will;
    if (w) this.o.hub.publish(w.topic, JSON.stringify({ type: w.type, v: 1, id: `will:${this.clientId}`, body: w.body }), 0, this.o.clock);
  }

  onReconnect(cb: () => void): void {
    this.reconnectListeners.push(cb);
  }

  /** The same fault as MqttBus.cutLink. */
  cutLink(): void {
    this.disconnect();
  }

  restoreLink(): void {
    this.reconnect();
  }

  /** Restore the link: the session's backlog is delivered, then the outbox is sent in order. */
  reconnect(): void {
    if (this.state !== 'disconnected') return;
    this.state = 'connected';
    this.o.hub.attach(this.clientId, this);
    const out = this.outbox;
    this.outbox = [];
    for (const m of out) {
      this.send(m.topic, m.payload);
      m.accepted();
    }
    for (const cb of this.reconnectListeners) cb();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.o.hub.detach(this.clientId, this, this.o.clean ?? false);
    const closed = new NovaError(`Bus ${this.clientId} closed before the message was sent`);
    for (const m of this.outbox.splice(0)) m.failed(closed);
    this.endpoint.failPending(new NovaError(`Bus ${this.clientId} closed before a reply arrived`));
  }

  /** @internal Called by the hub. */
  deliver(topic: string, payload: Payload): void {
    if (this.state === 'connected') this.endpoint.receive(topic, payload);
  }

  /** @internal Called by the hub when another client took this client id over. */
  sessionTakenOver(): void {
    if (this.state === 'connected') this.state = 'disconnected';
  }

  private publish(topic: string, payload: Payload): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new NovaError(`Bus ${this.clientId} is closed`));
    if (this.state === 'disconnected') {
      return new Promise((accepted, failed) => this.outbox.push({ topic, payload, accepted, failed }));
    }
    this.send(topic, payload);
    return Promise.resolve();
  }

  private send(topic: string, payload: Payload): void {
    const delay = this.o.delay?.(this.clientId, topic) ?? 0;
    this.o.hub.publish(topic, payload, delay, this.o.clock);
  }
}
