/**
 * The websocket console proxy Nova's novncproxy, spicehtml5proxy and serialproxy share
 * (nova/console/websocketproxy.py): one HTTP listener that serves the client's files and upgrades
 * websockets. Each upgrade is checked before anything touches the hypervisor — Origin against Host
 * and `[console] allowed_origins`, then the token (query or cookie), validated through the cells with
 * the port confirmed by the compute host — and refused with 403 otherwise. A good one is connected
 * to the console's TCP port, optionally after a handshake (the RFB security proxy), then bytes are
 * piped both ways until either side closes.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { boundPort } from '../../../runtime/http/bound-port.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { ConnectInfo, ConsoleType } from '../console-auth-token.ts';
import type { Listening } from '../console-urls.ts';
import { ByteReader, type ByteChannel } from './byte-reader.ts';
import { originRefusal } from './origin.ts';
import { tokenOfRequest } from './request-token.ts';
import { serveStatic, type StaticSite } from './static-files.ts';
import type { ConsoleTokenCheck } from './token-check.ts';
import { errorMessage } from '../../../runtime/errors/index.ts';

export interface WsConsoleProxyOptions {
  /** Service name in logs (nova-novncproxy, ...). */
  service: string;
  consoleType: ConsoleType;
  check: ConsoleTokenCheck;
  allowedOrigins: readonly string[];
  site?: StaticSite;
  /** Run before piping, on exact-read channels to the client and the hypervisor. */
  handshake?: (client: ByteChannel, server: ByteChannel) => Promise<void>;
  log: Logger;
  /** How long a hypervisor connection and handshake may take (ms). */
  connectTimeoutMs?: number;
}

function toBuffer(d: RawData): Buffer {
  if (Buffer.isBuffer(d)) return d;
  if (Array.isArray(d)) return Buffer.concat(d);
  return Buffer.from(d);
}

/**
 * Refuse an upgrade: the status and nothing else (no body), so a client that reads straight on for
 * websocket frames, as Tempest's does, sees the connection close rather than stray bytes.
 */
function refuse(socket: Duplex, code: number, reason: string): void {
  socket.end(`HTTP/1.1 ${code} ${code === 403 ? 'Forbidden' : 'Bad Request'}\r\nConnection: close\r\nX-Console-Refused: ${reason}\r\nContent-Length: 0\r\n\r\n`);
}

export class WsConsoleProxy {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly open = new Set<{ close(): void }>();

  constructor(private readonly o: WsConsoleProxyOptions) {
    this.http = createServer((req, res) => {
      if (o.site) serveStatic(o.site, req, res);
      else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found\n');
      }
    });
    this.http.on('upgrade', (req, socket, head) => void this.upgrade(req, socket, head));
  }

  async listen(host: string, port: number): Promise<Listening> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    return { host, port: boundPort(this.http) };
  }

  async close(): Promise<void> {
    for (const c of this.open) c.close();
    this.wss.close();
    this.http.closeAllConnections?.();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { o } = this;
    socket.on('error', () => undefined);
    const bad = originRefusal(req.headers, o.allowedOrigins);
    if (bad) {
      o.log.info({ origin: req.headers.origin, host: req.headers.host }, `console connection refused: ${bad}`);
      return refuse(socket, 403, bad);
    }
    const token = tokenOfRequest(req.url, req.headers.cookie);
    let info: ConnectInfo | null = null;
    if (token) {
      try {
        info = await o.check(token, o.consoleType);
      } catch (e) {
        o.log.warn({ err: errorMessage(e) }, 'console token check failed');
      }
    }
    if (!info) {
      o.log.info('console connection refused: the token has expired or is invalid');
      return refuse(socket, 403, 'The token has expired or is invalid.');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.connect(ws, info));
  }

  private async connect(ws: WebSocket, info: ConnectInfo): Promise<void> {
    const { o } = this;
    const log = o.log.child({ instance: info.instanceUuid });
    const fromClient = new ByteReader();
    const fromServer = new ByteReader();
    let piping = false;
    const target: Socket = connect({ host: info.host, port: info.port });
    target.setNoDelay(true);
    const entry = { close: () => { ws.terminate(); target.destroy(); } };
    this.open.add(entry);
    const done = () => {
      this.open.delete(entry);
      if (ws.readyState === ws.OPEN) ws.close();
      target.destroy();
    };
    ws.on('message', (d) => (piping ? target.write(toBuffer(d)) : fromClient.push(toBuffer(d))));
    ws.on('close', () => { fromClient.end(new Error('client closed')); done(); });
    ws.on('error', () => done());
    target.on('data', (d: Buffer) => (piping ? ws.send(d) : fromServer.push(d)));
    target.on('close', () => { fromServer.end(new Error('console closed')); done(); });
    target.on('error', (e) => log.warn({ err: e.message, host: info.host, port: info.port }, 'console connection failed'));
    target.setTimeout(o.connectTimeoutMs ?? 30_000, () => {
      if (!piping) target.destroy(new Error('timed out connecting to the console'));
    });
    try {
      if (o.handshake) {
        await o.handshake(
          { read: (n) => fromClient.read(n), write: (b) => ws.send(b) },
          { read: (n) => fromServer.read(n), write: (b) => target.write(b) },
        );
      }
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'console handshake failed');
      done();
      return;
    }
    piping = true;
    target.setTimeout(0);
    const up = fromClient.drain();
    if (up.length) target.write(up);
    const down = fromServer.drain();
    if (down.length) ws.send(down);
    log.info({ console_type: info.consoleType, host: info.host, port: info.port }, 'console connected');
  }
}
