/**
 * Nova's RFB security proxy (nova/console/securityproxy/rfb.py): the proxy, not the browser, does the
 * hypervisor's authentication. Towards the client it speaks RFB 3.8 offering only security type None
 * (the token already authenticated the user); towards the hypervisor it negotiates one of
 * `[vnc] auth_schemes` from the types the server offers (RFC 6143 §7.1–7.2). After both security
 * results, bytes pass through untouched (ClientInit onwards).
 */
import type { ByteChannel } from './byte-reader.ts';

export class SecurityProxyNegotiationFailed extends Error {}

const VERSION_3_8 = 'RFB 003.008\n';
/** RFB security type numbers of the schemes we can speak to a hypervisor. */
const SCHEME_TYPES: ReadonlyMap<string, number> = new Map([['none', 1]]);
const SECURITY_NONE = 1;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

async function readReason(ch: ByteChannel): Promise<string> {
  const len = (await ch.read(4)).readUInt32BE(0);
  return (await ch.read(Math.min(len, 4096))).toString('utf8');
}

/** Tell an RFB 3.8 client that security failed, with a reason it can show. */
function failClient(client: ByteChannel, reason: string): void {
  const r = Buffer.from(reason, 'utf8');
  client.write(Buffer.concat([u32(1), u32(r.length), r]));
}

function parseVersion(b: Buffer): { major: number; minor: number } | null {
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(b.toString('latin1'));
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

export async function rfbSecurityProxy(client: ByteChannel, server: ByteChannel, authSchemes: readonly string[] = ['none']): Promise<void> {
  const sv = parseVersion(await server.read(12));
  if (!sv || sv.major < 3 || (sv.major === 3 && sv.minor < 8)) {
    throw new SecurityProxyNegotiationFailed('Security proxying requires RFB protocol version 3.8, but the server sent another');
  }
  server.write(Buffer.from(VERSION_3_8, 'latin1'));
  client.write(Buffer.from(VERSION_3_8, 'latin1'));
  const cv = parseVersion(await client.read(12));
  if (!cv || cv.major !== 3 || cv.minor !== 8) {
    throw new SecurityProxyNegotiationFailed('Security proxying requires RFB protocol version 3.8, but the client asked for another');
  }

  const count = (await server.read(1))[0]!;
  if (count === 0) {
    const reason = await readReason(server);
    client.write(Buffer.from([0]));
    const r = Buffer.from(reason, 'utf8');
    client.write(Buffer.concat([u32(r.length), r]));
    throw new SecurityProxyNegotiationFailed(`The server refused the connection: ${reason}`);
  }
  const offered = [...(await server.read(count))];

  client.write(Buffer.from([1, SECURITY_NONE]));
  const chosen = (await client.read(1))[0]!;
  if (chosen !== SECURITY_NONE) {
    failClient(client, 'Only security type None is offered');
    throw new SecurityProxyNegotiationFailed(`The client chose security type ${chosen}, which was not offered`);
  }

  const scheme = authSchemes.map((s) => SCHEME_TYPES.get(s)).find((t): t is number => t !== undefined && offered.includes(t));
  if (scheme === undefined) {
    failClient(client, 'The console is not reachable');
    throw new SecurityProxyNegotiationFailed(`No matching auth scheme: the server offers ${offered.join(',')}, allowed are ${authSchemes.join(',')}`);
  }
  server.write(Buffer.from([scheme]));
  const result = (await server.read(4)).readUInt32BE(0);
  if (result !== 0) {
    const reason = await readReason(server).catch(() => 'authentication failed');
    failClient(client, 'The console is not reachable');
    throw new SecurityProxyNegotiationFailed(`The server refused authentication: ${reason}`);
  }
  client.write(u32(0));
}
