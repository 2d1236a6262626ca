/**
 * nova-xvpvncproxy (nova/console/xvp.py): raw TCP for Java-era VNC clients. The client opens a TCP
 * connection and sends an HTTP-style `CONNECT /console?token=… HTTP/1.1` request; a good token is
 * answered `HTTP/1.1 200 OK` and the connection becomes the guest's VNC stream, byte for byte; a bad
 * one gets `401 Not Authorized` and is closed without the hypervisor being contacted.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { boundPort } from '../../../runtime/http/bound-port.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { Listening } from '../console-urls.ts';
import { tokenOfRequest } from './request-token.ts';
import type { ConsoleTokenCheck } from './token-check.ts';

/** The request head may not be longer than this. */
const MAX_HEAD = 8192;

export class XvpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: { check: ConsoleTokenCheck; log: Logger; handshakeTimeoutMs?: number }) {
    this.server = createServer((s) => this.accept(s));
  }

  async listen(host: string, port: number): Promise<Listening> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return { host, port: boundPort(this.server) };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: Socket): void {
    const log = this.o.log.child({ service: 'nova-xvpvncproxy' });
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    client.setTimeout(this.o.handshakeTimeoutMs ?? 30_000, () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      client.off('data', onData);
      client.pause();
      void this.start(client, head.subarray(0, end).toString('latin1'), head.subarray(end + 4), log);
    };
    client.on('data', onData);
  }

  private async start(client: Socket, head: string, rest: Buffer, log: Logger): Promise<void> {
    const [method, target] = head.split('\r\n')[0]!.split(' ');
    if (method !== 'CONNECT' || !target?.startsWith('/console')) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const token = tokenOfRequest(target, undefined);
    const info = token ? await this.o.check(token, 'xvpvnc').catch(() => null) : null;
    if (!info) {
      log.info('XVP console connection refused: the token has expired or is invalid');
      client.end('HTTP/1.1 401 Not Authorized\r\n\r\n');
      return;
    }
    const vnc = connect({ host: info.host, port: info.port });
    this.sockets.add(vnc);
    vnc.on('close', () => { this.sockets.delete(vnc); client.destroy(); });
    vnc.on('error', (e) => log.warn({ err: e.message }, 'XVP console connection failed'));
    client.on('close', () => vnc.destroy());
    vnc.once('connect', () => {
      client.setTimeout(0);
      client.write('HTTP/1.1 200 OK\r\n\r\n');
      if (rest.length) vnc.write(rest);
      client.pipe(vnc);
      vnc.pipe(client);
      client.resume();
      log.info({ instance: info.instanceUuid }, 'XVP console connected');
    });
  }
}
