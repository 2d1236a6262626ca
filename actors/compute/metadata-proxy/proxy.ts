/**
 * The per-guest metadata proxy on a compute host (what neutron-metadata-agent is for Nova): one small
 * HTTP listener per guest, on a unix socket named after the instance, that forwards the guest's
 * requests for 169.254.169.254 to nova-api-metadata with X-Instance-ID, X-Tenant-ID and
 * X-Instance-ID-Signature added. The guest cannot name itself: whatever X-Instance-* / X-Tenant-ID /
 * X-Forwarded-For it sends is dropped, so a guest only ever reads its own metadata.
 * QEMU user networking reaches it with `guestfwd=tcp:169.254.169.254:80-cmd:socat STDIO UNIX-CONNECT:<socket>`.
 * Edge code: it owns sockets.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import { instanceIdSignature } from '../../api/metadata/index.ts';

export interface MetadataProxyOptions {
  /** Unix socket path to listen on (mode 0600). */
  socketPath: string;
  instanceUuid: string;
  projectId: string;
  /** [neutron] metadata_proxy_shared_secret. */
  sharedSecret: string;
  /** nova-api-metadata, e.g. http://127.0.0.1:8775 */
  metadataUrl: string;
}

const DROPPED = new Set(['x-instance-id', 'x-tenant-id', 'x-instance-id-signature', 'x-forwarded-for', 'host', 'connection']);

function forwardedHeaders(incoming: IncomingHttpHeaders, o: MetadataProxyOptions): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(incoming)) if (v !== undefined && !DROPPED.has(k)) out[k] = v;
  out['x-instance-id'] = o.instanceUuid;
  out['x-tenant-id'] = o.projectId;
  out['x-instance-id-signature'] = instanceIdSignature(o.sharedSecret, o.instanceUuid);
  out['connection'] = 'close';
  return out;
}

export class MetadataProxy {
  private constructor(private readonly server: Server, readonly socketPath: string) {}

  static async start(o: MetadataProxyOptions): Promise<MetadataProxy> {
    const upstream = new URL(o.metadataUrl);
    const server = createServer((req, res) => {
      const up = httpRequest({
        host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req.headers, o),
      }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('502 metadata service unreachable');
      });
      req.pipe(up);
    });
    // socat (QEMU's guestfwd) may half-close once the guest's request is sent: answer it anyway.
    (server as Server & { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
    await rm(o.socketPath, { force: true });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(o.socketPath, () => ok());
    });
    await chmod(o.socketPath, 0o600);
    return new MetadataProxy(server, o.socketPath);
  }

  async close(): Promise<void> {
    await new Promise<void>((ok) => {
      this.server.close(() => ok());
      this.server.closeAllConnections();
    });
    await rm(this.socketPath, { force: true });
  }
}

/** The QEMU -netdev user option that sends the guest's 169.254.169.254:80 to this proxy. */
export function guestForward(socketPath: string): string {
  return `guestfwd=tcp:169.254.169.254:80-cmd:socat STDIO UNIX-CONNECT:${socketPath}`;
}
