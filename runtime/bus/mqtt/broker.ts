/**
 * The embedded MQTT broker of a cell: aedes on a plain TCP server or, with `tls`, on a TLS server that
 * demands a client certificate from the given CA (mutual TLS; the certificate's CN is then the
 * client's identity). In-memory persistence (QoS-1 sessions survive client reconnects, not a broker
 * restart). Authentication and topic ACLs are plain predicates so the cell can derive them from its
 * credentials (a compute host reaches only its topics).
 */
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { coalesceWrites } from './coalesce.ts';
import { defaultBusLogger, type BusLogger } from '../bus-log.ts';

/** Mutual TLS: the broker's own certificate and key, the CA its clients' certificates must chain to, and its CRL. */
export interface BrokerTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca: string | Buffer;
  crl?: string | Buffer;
}

export interface BrokerOptions {
  /** Interface to listen on (default 127.0.0.1: a cell's broker is private unless configured otherwise). */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /**
   * true: accepted; false: refused (bad credentials); 'unavailable': not now (the cell is starting), retry later.
   * Over mutual TLS `username` is the client certificate's CN and `certified` is true (a CONNECT
   * username that differs from the CN is refused before this is asked).
   */
  authenticate?: (clientId: string, username: string | undefined, password: string | undefined, certified: boolean) => boolean | 'unavailable';
  /** Listen with TLS and require client certificates (mqtts://). */
  tls?: BrokerTls;
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
  /**
   * Load new TLS material (a new CRL, a rotated certificate) for the next handshakes, and drop the
   * connections whose client certificate `isRevoked` says is no longer good.
   */
  reloadTls(t: BrokerTls, isRevoked?: (serialHex: string) => boolean): void;
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
      const certified = certificateName(client.conn);
      // Over mutual TLS the certificate says who the client is; a CONNECT username may only repeat it.
      const identity = certified ?? username;
      usernames.set(client, identity);
      let verdict: boolean | 'unavailable' = false;
      try {
        if (opts.tls && certified === undefined) verdict = false;
        else if (certified !== undefined && username !== undefined && username !== certified) verdict = false;
        else verdict = opts.authenticate?.(client.id, identity, password?.toString('utf8'), certified !== undefined) ?? true;
      } catch {
        verdict = false;
      }
      if (verdict === true) return done(null, true);
      if (verdict === 'unavailable') {
        return done(authError('Server unavailable', SERVER_UNAVAILABLE), false);
      }
      log.warn({ clientId: client.id, username, certificate: certified }, 'broker: authentication failed');
      done(authError('Bad username or password', BAD_USERNAME_OR_PASSWORD), false);
    },
    authorizePublish(client, packet, done) {
      // $SYS is the broker's own namespace (aedes' default check, kept when we replace the handler).
      if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topic is reserved'));
      if (!client || !opts.authorizePublish) return done(null);
      // aedes runs the will through this check too, with the very packet it keeps as the client's will.
      const isWill = 'will' in client && packet === client.will;
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

  // What a turn of the event loop writes to one client leaves in one system call (coalesce.ts).
  function handle(s: net.Socket): void {
    coalesceWrites(s);
    aedes.handle(s);
  }
  const tlsServer = opts.tls
    ? tls.createServer({ ...tlsContext(opts.tls), requestCert: true, rejectUnauthorized: true, noDelay: true }, handle)
    : undefined;
  const server: net.Server = tlsServer ?? net.createServer({ noDelay: true }, handle);
  if (tlsServer) {
    // A client without a certificate, or with one from another CA or revoked: refused in the handshake.
    tlsServer.on('tlsClientError', (err, s) => log.warn({ remote: s.remoteAddress, err: err.message }, 'broker: TLS handshake refused'));
  }
  // Every TCP connection (for close: a TLS handshake still under way would keep server.close() waiting)
  // and, over TLS, every established TLS socket (for dropping revoked certificates).
  const secure = new Set<tls.TLSSocket>();
  tlsServer?.on('secureConnection', (s: tls.TLSSocket) => {
    secure.add(s);
    s.once('close', () => secure.delete(s));
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
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
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('broker: the server has no TCP address');
  const port = address.port;
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

  const reloadTls = (t: BrokerTls, isRevoked?: (serialHex: string) => boolean): void => {
    if (!tlsServer) throw new Error('this broker does not listen with TLS');
    tlsServer.setSecureContext(tlsContext(t));
    if (!isRevoked) return;
    for (const s of secure) {
      const serial = s.getPeerCertificate()?.serialNumber;
      if (serial && isRevoked(serial.toLowerCase())) {
        log.warn({ serial, cn: certificateName(s) }, 'broker: dropping a client whose certificate was revoked');
        s.destroy();
      }
    }
  };

  return { port, url: `${tlsServer ? 'mqtts' : 'mqtt'}://${urlHost}:${port}`, close, aedes, reloadTls };
}

function tlsContext(t: BrokerTls): tls.SecureContextOptions {
  return { cert: t.cert, key: t.key, ca: t.ca, ...(t.crl !== undefined ? { crl: t.crl } : {}) };
}

/** The CN of a verified client certificate on this connection (undefined on plain TCP). */
function certificateName(s: unknown): string | undefined {
  if (!(s instanceof tls.TLSSocket) || !s.authorized) return undefined;
  const cn = s.getPeerCertificate().subject?.CN;
  // A certificate with several CNs gives an array: no single identity, so none.
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

function authError(message: string, returnCode: AuthenticateError['returnCode']): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/** A predicate that throws denies: an ACL bug must not open the broker or crash it. */
function safely(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch {
    return false;
  }
}
