/**
 * The console proxies on loopback against scripted hypervisor consoles: the RFB security proxy's
 * handshake (3.8 and None towards the client, the server's scheme negotiated towards it), Origin
 * rejection, and bad, expired or wrong-type tokens refused before the hypervisor is contacted. Tokens
 * live in a real ConsoleAuthStore on the injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { openDb, type Db } from '../../../../runtime/db/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { ConsoleAuthStore, consoleAuthMigration } from '../../../../actors/console/console-auth-store.ts';
import { newConsoleToken, type ConsoleType } from '../../../../actors/console/console-auth-token.ts';
import { ByteReader } from '../../../../actors/console/proxies/byte-reader.ts';
import { novncProxy, serialProxy, tokenCheckOver, XvpProxy, WsConsoleProxy } from '../../../../actors/console/proxies/index.ts';

const log = createLogger({}, 'silent');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A scripted console on loopback; counts connections so a test can prove it was never contacted. */
async function scriptedConsole(script: (s: Socket, r: ByteReader) => Promise<void>): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  const server: Server = createServer((s) => {
    n++;
    const r = new ByteReader();
    s.on('data', (d: Buffer) => r.push(d));
    s.on('close', () => r.end(new Error('closed')));
    s.on('error', () => undefined);
    void script(s, r).catch(() => s.destroy());
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  cleanups.push(() => new Promise<void>((res) => server.close(() => res())));
  return { port: (server.address() as AddressInfo).port, connections: () => n };
}

/** An RFB 3.8 server offering VNC auth (2) and None (1); after ClientInit it sends "SERVERINIT" and echoes. */
function rfbServer(version = 'RFB 003.008\n', seen: { version?: string; choice?: number } = {}) {
  return async (s: Socket, r: ByteReader) => {
    s.write(version);
    seen.version = (await r.read(12)).toString('latin1');
    s.write(Buffer.from([2, 2, 1]));
    seen.choice = (await r.read(1))[0];
    s.write(Buffer.from([0, 0, 0, 0]));
    await r.read(1); // ClientInit
    s.write('SERVERINIT');
    for (;;) s.write(await r.read(1));
  };
}

async function tokens(ttl = 600) {
  const clock = new VirtualClock();
  const db: Db = await openDb({ file: ':memory:' }, [consoleAuthMigration]);
  cleanups.push(() => db.destroy());
  const store = new ConsoleAuthStore(db, clock, ttl);
  let seq = 0;
  const issue = async (consoleType: ConsoleType, port: number) => {
    seq++;
    const token = newConsoleToken(Uint8Array.from({ length: 16 }, (_, i) => (i + seq * 7) & 0xff));
    await store.authorize({ token, connect: { instanceUuid: 'i-1', consoleType, host: '127.0.0.1', port, internalAccessPath: null, computeHost: 'c1' } });
    return token;
  };
  const check = tokenCheckOver({ validateConsoleToken: (hash) => store.validate(hash) });
  return { clock, store, issue, check };
}

async function listen(p: WsConsoleProxy | XvpProxy): Promise<number> {
  const l = await p.listen('127.0.0.1', 0);
  cleanups.push(() => p.close());
  return l.port;
}

/** Open a websocket; resolves with it and a reader of what arrives, or rejects with the HTTP status. */
function wsOpen(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; r: ByteReader }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary'], { headers });
    const r = new ByteReader();
    ws.on('message', (d) => r.push(d as Buffer));
    ws.on('close', () => r.end(new Error('closed')));
    ws.on('open', () => resolve({ ws, r }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    cleanups.push(() => ws.terminate());
  });
}

describe('RFB security proxy (nova-novncproxy)', () => {
  it('speaks 3.8 with None to the client, negotiates None with the server, then passes bytes through', async () => {
    const seen: { version?: string; choice?: number } = {};
    const vnc = await scriptedConsole(rfbServer('RFB 003.008\n', seen));
    const t = await tokens();
    const port = await listen(novncProxy({ config: novaConfig(), check: t.check, log }));
    const token = await t.issue('novnc', vnc.port);
    const { ws, r } = await wsOpen(`ws://127.0.0.1:${port}/?token=${token}`, { Origin: `http://127.0.0.1:${port}` });
    expect((await r.read(12)).toString()).toBe('RFB 003.008\n');
    ws.send(Buffer.from('RFB 003.008\n'));
    expect([...(await r.read(2))]).toEqual([1, 1]);
    ws.send(Buffer.from([1]));
    expect([...(await r.read(4))]).toEqual([0, 0, 0, 0]);
    ws.send(Buffer.from([1]));
    expect((await r.read(10)).toString()).toBe('SERVERINIT');
    ws.send(Buffer.from('ping'));
    expect((await r.read(4)).toString()).toBe('ping');
    expect(seen).toEqual({ version: 'RFB 003.008\n', choice: 1 });
    expect(vnc.connections()).toBe(1);
  });

  it('refuses a server older than RFB 3.8 and a client that picks another security type', async () => {
    const old = await scriptedConsole(rfbServer('RFB 003.003\n'));
    const t = await tokens();
    const port = await listen(novncProxy({ config: novaConfig(), check: t.check, log }));
    const a = await wsOpen(`ws://127.0.0.1:${port}/?token=${await t.issue('novnc', old.port)}`);
    await expect(a.r.read(1)).rejects.toThrow('closed');

    const good = await scriptedConsole(rfbServer());
    const b = await wsOpen(`ws://127.0.0.1:${port}/?token=${await t.issue('novnc', good.port)}`);
    await b.r.read(12);
    b.ws.send(Buffer.from('RFB 003.008\n'));
    await b.r.read(2);
    b.ws.send(Buffer.from([2]));
    const failure = await b.r.read(8);
    expect(failure.readUInt32BE(0)).toBe(1);
    const reason = await b.r.read(failure.readUInt32BE(4));
    expect(reason.toString()).toBe('Only security type None is offered');
    await expect(b.r.read(1)).rejects.toThrow('closed');
  });

  it('serves noVNC at Nova\'s vnc_auto.html', async () => {
    const t = await tokens();
    const port = await listen(novncProxy({ config: novaConfig(), check: t.check, log }));
    const page = await fetch(`http://127.0.0.1:${port}/vnc_auto.html?path=%3Ftoken%3Dx`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>noVNC</title>');
    expect((await fetch(`http://127.0.0.1:${port}/core/rfb.js`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/..%2f..%2fetc/passwd`)).status).toBe(404);
  });
});

describe('refusals before the hypervisor is contacted', () => {
  it('an Origin that is neither the Host nor an allowed origin gets 403; an allowed one passes', async () => {
    const vnc = await scriptedConsole(rfbServer());
    const t = await tokens();
    const config = novaConfig({ console: { allowed_origins: ['console.example.org'] } });
    const port = await listen(novncProxy({ config, check: t.check, log }));
    const token = await t.issue('novnc', vnc.port);
    await expect(wsOpen(`ws://127.0.0.1:${port}/?token=${token}`, { Origin: 'http://evil.example.com' })).rejects.toThrow('HTTP 403');
    await expect(wsOpen(`ws://127.0.0.1:${port}/?token=${token}`, { Origin: 'file://' })).rejects.toThrow('HTTP 403');
    expect(vnc.connections()).toBe(0);
    const ok = await wsOpen(`ws://127.0.0.1:${port}/?token=${token}`, { Origin: 'https://console.example.org' });
    expect((await ok.r.read(12)).toString()).toBe('RFB 003.008\n');
    expect(vnc.connections()).toBe(1);
  });

  it('a bad, missing, expired or other-type token gets 403 and the console is never contacted', async () => {
    const vnc = await scriptedConsole(rfbServer());
    const t = await tokens(600);
    const port = await listen(novncProxy({ config: novaConfig(), check: t.check, log }));
    const token = await t.issue('novnc', vnc.port);
    const serialToken = await t.issue('serial', vnc.port);
    const bad = newConsoleToken(new Uint8Array(16));
    await expect(wsOpen(`ws://127.0.0.1:${port}/?token=${bad}`)).rejects.toThrow('HTTP 403');
    await expect(wsOpen(`ws://127.0.0.1:${port}/`)).rejects.toThrow('HTTP 403');
    await expect(wsOpen(`ws://127.0.0.1:${port}/?token=${serialToken}`)).rejects.toThrow('HTTP 403');
    // Multi-use until expiry: the token works twice, then the clock passes token_ttl.
    for (let i = 0; i < 2; i++) {
      const c = await wsOpen(`ws://127.0.0.1:${port}/`, { Cookie: `token=${token}` });
      await c.r.read(12);
      c.ws.terminate();
    }
    expect(vnc.connections()).toBe(2);
    await t.clock.advance(600_000);
    await expect(wsOpen(`ws://127.0.0.1:${port}/?token=${token}`)).rejects.toThrow('HTTP 403');
    expect(vnc.connections()).toBe(2);
  });
});

describe('serial and XVP proxies', () => {
  it('serial: websocket bytes reach the serial socket and back', async () => {
    const serial = await scriptedConsole(async (s, r) => {
      for (;;) s.write(Buffer.from((await r.read(1)).toString().toUpperCase()));
    });
    const t = await tokens();
    const port = await listen(serialProxy({ config: novaConfig(), check: t.check, log }));
    const { ws, r } = await wsOpen(`ws://127.0.0.1:${port}/?token=${await t.issue('serial', serial.port)}`);
    ws.send(Buffer.from('echo hi\n'));
    expect((await r.read(8)).toString()).toBe('ECHO HI\n');
    await expect(wsOpen(`ws://127.0.0.1:${port}/?token=${newConsoleToken(new Uint8Array(16))}`)).rejects.toThrow('HTTP 403');
  });

  it('xvp: CONNECT with a good token is 200 then raw RFB; a bad one is 401 without contacting the console', async () => {
    const vnc = await scriptedConsole(async (s, r) => {
      s.write('RFB 003.008\n');
      for (;;) s.write(await r.read(1));
    });
    const t = await tokens();
    const port = await listen(new XvpProxy({ check: t.check, log }));
    const raw = (request: string) => new Promise<{ s: Socket; r: ByteReader }>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write(request);
        resolve({ s, r });
      });
      const r = new ByteReader();
      s.on('data', (d: Buffer) => r.push(d));
      s.on('close', () => r.end(new Error('closed')));
      cleanups.push(() => void s.destroy());
    });
    const bad = await raw(`CONNECT /console?token=${newConsoleToken(new Uint8Array(16))} HTTP/1.1\r\n\r\n`);
    expect((await bad.r.read(31)).toString()).toBe('HTTP/1.1 401 Not Authorized\r\n\r\n');
    expect(vnc.connections()).toBe(0);
    const good = await raw(`CONNECT /console?token=${await t.issue('xvpvnc', vnc.port)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect((await good.r.read(19)).toString()).toBe('HTTP/1.1 200 OK\r\n\r\n');
    expect((await good.r.read(12)).toString()).toBe('RFB 003.008\n');
    good.s.write('RFB 003.008\n');
    expect((await good.r.read(12)).toString()).toBe('RFB 003.008\n');
    expect(vnc.connections()).toBe(1);
  });
});
