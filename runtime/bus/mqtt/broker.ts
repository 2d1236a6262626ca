/**
 * The embedded MQTT broker of a cell: aedes on a plain TCP server, in-memory persistence (QoS-1
 * sessions survive client reconnects, not a broker restart). Authentication and topic ACLs are plain
 * predicates so the cell can derive them from its credentials (a compute host reaches only its topics).
 */
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { defaultBusLogger, type BusLogger } from '../bus-log.ts';

export interface BrokerOptions {
  /** Interface to listen on (default 127.0.0.1: a cell's broker is private unless configured otherwise). */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** true: accepted; false: refused (bad credentials); 'unavailable': not now (the cell is starting), retry later. */
  authenticate?: (clientId: string, username: string | undefined, password: string | undefined) => boolean | 'unavailable';
  /** `isWill`: the broker is about to publish the client's last will, not a packet the client sent. */
  authorizePublish?: (clientId: string, username: string | undefined, topic: string, isWill: boolean) => boolean;
  authorizeSubscribe?: (clientId: string, username: string | undefined, topicPattern: string) => boolean;
  log?: BusLogger;
}

export interface Broker {
  port: number;
  url: string;
  close(): Promise<void>;
  aedes: Aedes;
}

/** MQTT 3.1.1 §3.2.2.3 CONNACK return codes. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const log = opts.log ?? defaultBusLogger();
  // The principal the transport authenticated, per client: the one place the ACL predicates (and
  // through them every receiver, which knows a sender by the topic it may write) learn who a client
  // is. Today the CONNECT username, checked against its password; a TLS client certificate's subject
  // can be recorded here instead. aedes does not keep the username on the client itself.
  const usernames = new WeakMap<Client, string | undefined>();
  const aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      usernames.set(client, username);
      let verdict: boolean | 'unavailable' = false;
      try {
        verdict = opts.authenticate?.(client.id, username, password?.toString('utf8')) ?? true;
      } catch {
        verdict = false;
      }
      if (verdict === true) return done(null, true);
      if (verdict === 'unavailable') {
        const err = new Error('Server unavailable') as AuthenticateError;
        err.returnCode = SERVER_UNAVAILABLE;
        return done(err, false);
      }
      log.warn({ clientId: client.id, username }, 'broker: authentication failed');
      const err = new Error('Bad username or password') as AuthenticateError;
      err.returnCode = BAD_USERNAME_OR_PASSWORD;
      done(err, false);
    },
    authorizePublish(client, packet, done) {
      // $SYS is the broker's own namespace (aedes' default check, kept when we replace the handler).
      if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topic is reserved'));
      if (!client || !opts.authorizePublish) return done(null);
      // aedes runs the will through this check too, with the very packet it keeps as the client's will.
      const isWill = packet === (client as Client & { will?: unknown }).will;
      if (safely(() => opts.authorizePublish!(client.id, usernames.get(client), packet.topic, isWill))) return done(null);
      // MQTT 3.1.1 §3.3.5: no error can be returned to the client; aedes closes its connection.
      log.warn({ clientId: client.id, topic: packet.topic }, 'broker: publish denied');
      done(new Error(`publish to ${packet.topic} not authorized`));
    },
    authorizeSubscribe(client, sub, done) {
      if (!opts.authorizeSubscribe) return done(null, sub);
      if (safely(() => opts.authorizeSubscribe!(client.id, usernames.get(client), sub.topic))) return done(null, sub);
      // A null subscription makes aedes answer SUBACK 0x80 (failure) and keep the connection.
      log.warn({ clientId: client.id, topic: sub.topic }, 'broker: subscribe denied');
      done(null, null);
    },
  });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'broker: client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'broker: connection error'));

  const server = net.createServer({ noDelay: true }, aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log.info({ host, port }, 'broker: listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Sockets still open (a half-finished handshake) would keep server.close() waiting.
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })());

  return { port, url: `mqtt://${urlHost}:${port}`, close, aedes };
}

/** A predicate that throws denies: an ACL bug must not open the broker or crash it. */
function safely(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch {
    return false;
  }
}
