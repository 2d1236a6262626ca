/**
 * MqttBus: the Bus over a real MQTT broker (a cell's embedded aedes, or Mosquitto/EMQX across sites).
 * QoS 1 everywhere and, by default, a persistent session, so a link that drops loses nothing: the
 * broker queues for us while we are away and mqtt.js resends what we published but saw no PUBACK for.
 * What one turn publishes to one topic leaves as one MQTT message (publish-batch.ts).
 */
import net from 'node:net';
import tls from 'node:tls';
import { connect, MqttClient, type IClientOptions } from 'mqtt';
import type { Clock } from '../../clock/index.ts';
import { errorMessage, Forbidden, NovaError, Unauthorized } from '../../errors/index.ts';
import type { RandomStream } from '../../rng/index.ts';
import { replyTopic, type Bus, type CallOptions, type Handler, type OutgoingMessage, type Subscription } from '../bus.ts';
import { defaultBusLogger, type BusLogger } from '../bus-log.ts';
import { BusEndpoint, type ReplySenderOf } from '../endpoint.ts';
import { messages, type MessageRegistry } from '../messages.ts';
import { coalesceWrites } from './coalesce.ts';
import { PublishBatcher } from './publish-batch.ts';

export interface MqttBusOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** CA certificate(s) (PEM) to trust for an `mqtts://` broker (instead of the system list). */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) for a broker that demands mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /**
   * Mutual TLS material asked for at every (re)connect of an `mqtts://` URL, instead of `ca`/`cert`/`key`:
   * a certificate rotated on disk is presented at the next reconnect, without a restart.
   */
  tls?: () => TlsMaterial;
  clock: Clock;
  rng: RandomStream;
  registry?: MessageRegistry;
  log?: BusLogger;
  /** Prefix of this client's reply topic (see replyTopic). */
  topicPrefix: string;
  /** MQTT clean session; default false, so the broker keeps our subscriptions and queues while we are away. */
  clean?: boolean;
  /** Pause between reconnect attempts (mqtt.js' own timer; default 1000). */
  reconnectPeriodMs?: number;
  /** Who sends on each topic and which reply topics are theirs: a call's forged replyTo is refused (see EndpointOptions). */
  replySender?: ReplySenderOf;
  /** Last will: the broker publishes it if this client's link breaks without a clean disconnect. */
  will?: { topic: string; type: string; body: unknown };
}

/** What a client presents over mutual TLS: the CA it trusts, its certificate and key (PEM). */
export interface TlsMaterial {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

const QOS1 = { qos: 1 } as const;
/** MQTT 3.1.1 §3.2.2.3 CONNACK codes that mean the credentials were refused. */
const AUTH_REFUSED = new Set([4, 5]);

export class MqttBus implements Bus {
  readonly clientId: string;
  private closed = false;
  private savedReconnect = 1000;

  private constructor(
    private readonly client: MqttClient,
    private readonly endpoint: BusEndpoint,
    private readonly batcher: PublishBatcher,
    clientId: string,
  ) {
    this.clientId = clientId;
  }

  /** Connect, subscribe to our reply topic, and resolve once both are done. Rejects if the first attempt fails. */
  static async connect(opts: MqttBusOptions): Promise<MqttBus> {
    const log = opts.log ?? defaultBusLogger();
    const client = opts.tls && opts.url.startsWith('mqtts:')
      ? new MqttClient(tlsStream(new URL(opts.url), opts.tls), mqttOptions(opts))
      : connect(opts.url, mqttOptions(opts));
    const batcher = new PublishBatcher((topic, text, done) =>
      client.publish(topic, text, QOS1, (err) => done(err ? new NovaError(`publish to ${topic} failed: ${err.message}`) : undefined)));
    const endpoint = new BusEndpoint({
      clientId: opts.clientId,
      clock: opts.clock,
      rng: opts.rng,
      registry: opts.registry ?? messages,
      log,
      replyTopic: replyTopic(opts.topicPrefix, opts.clientId),
      // Never trusted: the endpoint writes JSON text for the wire.
      publish: (topic, payload) => batcher.publish(topic, typeof payload === 'string' ? payload : JSON.stringify(payload)),
      replySender: opts.replySender,
    });
    // Listen before CONNACK: a persistent session replays queued messages right after it.
    client.on('message', (topic, payload) => endpoint.receive(topic, payload.toString('utf8')));
    watchLink(client, log, opts.clientId);
    try {
      await firstConnect(client);
      await client.subscribeAsync(replyTopic(opts.topicPrefix, opts.clientId), QOS1);
    } catch (e) {
      client.end(true);
      throw e;
    }
    return new MqttBus(client, endpoint, batcher, opts.clientId);
  }

  cast(topic: string, msg: OutgoingMessage): Promise<void> {
    return this.endpoint.cast(topic, msg);
  }

  call<R = unknown>(topic: string, msg: OutgoingMessage, opts?: CallOptions): Promise<R> {
    return this.endpoint.call<R>(topic, msg, opts);
  }

  async subscribe(pattern: string, handler: Handler): Promise<Subscription> {
    if (this.closed) throw new NovaError(`Bus ${this.clientId} is closed`);
    const first = this.endpoint.addHandler(pattern, handler);
    if (first) {
      try {
        await this.client.subscribeAsync(pattern, QOS1);
      } catch (e) {
        this.endpoint.removeHandler(pattern, handler);
        throw subscribeError(pattern, e);
      }
    }
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        if (this.endpoint.removeHandler(pattern, handler) && !this.closed) await this.client.unsubscribeAsync(pattern);
      },
    };
  }

  connected(): boolean {
    return this.client.connected;
  }

  /** connect() resolved on the first CONNACK, so every later 'connect' is a reconnect. */
  onReconnect(cb: () => void): void {
    this.client.on('connect', cb);
  }

  /**
   * Break the link as a network fault would: the socket is dropped without DISCONNECT, so the broker
   * publishes our will and queues our QoS 1 messages; nothing reconnects until `restoreLink()`.
   */
  cutLink(): void {
    this.savedReconnect = this.client.options.reconnectPeriod ?? 1000;
    this.client.options.reconnectPeriod = 0;
    this.client.stream?.destroy();
  }

  /** Reconnect after `cutLink()`: the persistent session's backlog is delivered. */
  restoreLink(): void {
    this.client.options.reconnectPeriod = this.savedReconnect;
    this.client.reconnect();
  }

  /** Leave cleanly. With a persistent session the broker keeps queuing for this client id. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // What this turn cast (a last `child_leave`) goes before the DISCONNECT, as it would unbatched.
    this.batcher.flushNow();
    this.endpoint.failPending(new NovaError(`Bus ${this.clientId} closed before a reply arrived`));
    // A graceful end would wait for PUBACKs that never come while the link is down.
    await this.client.endAsync(!this.client.connected);
  }
}

function watchLink(c: MqttClient, log: BusLogger, clientId: string): void {
  // mqtt.js re-emits socket errors; without a listener an 'error' event would throw.
  c.on('error', (err) => log.warn({ clientId, err: err.message }, 'bus: mqtt error'));
  c.on('offline', () => log.warn({ clientId }, 'bus: link down, reconnecting'));
  c.on('connect', () => {
    // Small request/reply packets must not wait for Nagle's algorithm (tens of ms per hop otherwise).
    if (c.stream instanceof net.Socket) c.stream.setNoDelay(true);
    // …and what a turn of the event loop publishes leaves in one system call (coalesce.ts).
    if (c.stream) coalesceWrites(c.stream);
    log.debug({ clientId }, 'bus: link up');
  });
}

/**
 * mqtt.js' own TLS stream, but with the material read at each connect (mqtt.js would reuse what it
 * was given first). As mqtt.js does, a handshake error goes to the client and ends the socket, so the
 * reconnect timer runs.
 */
function tlsStream(url: URL, material: () => TlsMaterial): (client: MqttClient) => tls.TLSSocket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? 8883 : Number(url.port);
  return (client) => {
    const m = material();
    const conn = tls.connect({
      host, port, ca: m.ca, cert: m.cert, key: m.key, rejectUnauthorized: true, ...(net.isIP(host) === 0 ? { servername: host } : {}),
    });
    const onError = (err: Error): void => {
      client.emit('error', err);
      conn.end();
    };
    conn.on('error', onError);
    conn.on('secureConnect', () => conn.removeListener('error', onError));
    return conn;
  };
}

function mqttOptions(opts: MqttBusOptions): IClientOptions {
  return {
    clientId: opts.clientId,
    username: opts.username,
    password: opts.password,
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    ...(opts.cert !== undefined && opts.key !== undefined ? { cert: opts.cert, key: opts.key } : {}),
    clean: opts.clean ?? false,
    reconnectPeriod: opts.reconnectPeriodMs ?? 1000,
    // A broker that refuses us after a restart (not ready yet, CONNACK 3) is tried again, not given up on.
    reconnectOnConnackError: true,
    protocolVersion: 4,
    resubscribe: true,
    // mqtt.js logs a dozen debug lines per packet through the `debug` package; unless DEBUG asks for
    // them, a no-op saves the calls (each still builds its arguments and checks its namespace).
    ...(mqttDebugWanted() ? {} : { log: noLog }),
    will: opts.will
      ? {
          topic: opts.will.topic,
          payload: Buffer.from(JSON.stringify({ type: opts.will.type, v: 1, id: `will:${opts.clientId}`, body: opts.will.body })),
          qos: 1,
          retain: false,
        }
      : undefined,
  };
}

const noLog = (): void => undefined;

/** Whether DEBUG names mqtt.js' namespace (`mqttjs*`, `*`), as the debug package would read it. */
function mqttDebugWanted(): boolean {
  const d = process.env.DEBUG;
  return d !== undefined && /(^|[\s,])(\*|mqttjs[^\s,]*)/.test(d);
}

/** Resolve on the first CONNACK; reject on the first error (refused credentials, broker unreachable). */
function firstConnect(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      client.off('error', onError);
      resolve();
    };
    const onError = (err: Error & { code?: unknown }): void => {
      client.off('connect', onConnect);
      if (typeof err.code === 'number' && AUTH_REFUSED.has(err.code)) reject(new Unauthorized(`MQTT broker refused the credentials: ${err.message}`));
      else reject(new NovaError(`MQTT connection failed: ${err.message}`));
    };
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}

function subscribeError(pattern: string, e: unknown): NovaError {
  // mqtt.js rejects with the SUBACK attached; a return code with bit 0x80 set is the broker's refusal.
  const packet = typeof e === 'object' && e !== null && 'packet' in e ? e.packet : undefined;
  const granted = typeof packet === 'object' && packet !== null && 'granted' in packet ? packet.granted : undefined;
  if (Array.isArray(granted) && granted.some((rc) => typeof rc === 'number' && (rc & 0x80) !== 0)) {
    return new Forbidden(`Subscription to ${pattern} refused by the broker`);
  }
  return new NovaError(`Subscription to ${pattern} failed: ${errorMessage(e)}`);
}
