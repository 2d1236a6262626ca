/**
 * The per-guest metadata proxy in front of a real nova-api-metadata (HTTP on loopback), reached the
 * way QEMU's guestfwd reaches it: `socat STDIO UNIX-CONNECT:<socket>` with the guest's raw request on
 * stdin. Each guest reads its own metadata; a guest that claims to be another instance still gets its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { createLogger } from '../../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { startMetadataServer, type MetadataServer } from '../../../../../actors/api/metadata/index.ts';
import { guestForward, MetadataProxy } from '../../../../../actors/compute/metadata-proxy/index.ts';
import { instanceRecord, UUID } from '../../../../support/instance-record.ts';

const SOCAT = existsSync('/usr/bin/socat');
const SECRET = 'shared-secret-for-proxy-test';
const OTHER = '11111111-2222-4333-8444-555555555555';
const dir = mkdtempSync(join(tmpdir(), 'novacell-mdproxy-'));
let md: MetadataServer;
const proxies: MetadataProxy[] = [];

/** What guestfwd does: the guest's bytes on socat's stdin, the answer on its stdout. */
function viaSocat(socket: string, raw: string): Promise<string> {
  return new Promise((ok, fail) => {
    // -t: a guest keeps its end open until the answer came; socat would otherwise close 0.5 s after stdin ends.
    const p = spawn('/usr/bin/socat', ['-t', '10', 'STDIO', `UNIX-CONNECT:${socket}`]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', fail);
    p.on('exit', () => ok(out));
    p.stdin.end(raw);
  });
}

beforeAll(async () => {
  const records = new Map([[UUID, instanceRecord()], [OTHER, instanceRecord({ uuid: OTHER, hostname: 'other', projectId: 'p1' })]]);
  md = await startMetadataServer({
    host: '127.0.0.1', port: 0, log: createLogger({}, 'silent'), rng: new SeededRng('p').stream('ids'), clock: new VirtualClock(),
    sharedSecret: SECRET, cacheExpirationS: 15, defaultAvailabilityZone: 'nova', source: async (u) => records.get(u),
  });
  for (const uuid of [UUID, OTHER]) {
    proxies.push(await MetadataProxy.start({ socketPath: join(dir, `${uuid}.sock`), instanceUuid: uuid, projectId: 'p1', sharedSecret: SECRET, metadataUrl: md.url }));
  }
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await md?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!SOCAT)(SOCAT ? 'per-guest metadata proxy' : 'per-guest metadata proxy (SKIPPED: apt-get install -y socat)', () => {
  it('each guest reads its own metadata through its own socket (0600)', async () => {
    expect(statSync(proxies[0]!.socketPath).mode & 0o077).toBe(0);
    const a = await viaSocat(proxies[0]!.socketPath, 'GET /openstack/latest/meta_data.json HTTP/1.0\r\nHost: 169.254.169.254\r\n\r\n');
    expect(a).toMatch(/^HTTP\/1\.[01] 200/);
    expect(a).toContain(`"uuid":"${UUID}"`);
    const b = await viaSocat(proxies[1]!.socketPath, 'GET /latest/meta-data/hostname HTTP/1.0\r\nHost: 169.254.169.254\r\n\r\n');
    expect(b.endsWith('\r\n\r\nother')).toBe(true);
  });

  it('a guest cannot pass itself off as another instance', async () => {
    const spoof = await viaSocat(proxies[0]!.socketPath,
      `GET /latest/meta-data/hostname HTTP/1.0\r\nHost: 169.254.169.254\r\nX-Instance-ID: ${OTHER}\r\nX-Tenant-ID: p1\r\nX-Instance-ID-Signature: 00\r\n\r\n`);
    expect(spoof.endsWith('\r\n\r\nweb-1')).toBe(true);
  });

  it('gives QEMU the guestfwd option for the socket', () => {
    expect(guestForward('/run/g.sock')).toBe('guestfwd=tcp:169.254.169.254:80-cmd:socat STDIO UNIX-CONNECT:/run/g.sock');
  });
});
