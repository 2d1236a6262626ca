/**
 * Nova's Origin check for console websockets (nova/console/websocketproxy.py): a browser's Origin must
 * name the host the proxy was reached at (its Host header) or one of `[console] allowed_origins`, and
 * use a web scheme; no Origin means a non-browser client, which is allowed. Returns why it is refused,
 * or null when it is fine.
 */
import type { IncomingHttpHeaders } from 'node:http';

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function originRefusal(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): string | null {
  const origin = headers.origin;
  if (origin === undefined) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'Origin header not valid.';
  }
  const forwarded = headers['x-forwarded-proto'];
  const scheme = (typeof forwarded === 'string' ? forwarded : url.protocol.replace(/:$/, '')).toLowerCase();
  if (!url.hostname || !scheme) return 'Origin header not valid.';
  const expected = new Set(allowedOrigins.map((o) => hostnameOf(o)));
  if (headers.host) expected.add(hostnameOf(headers.host));
  if (!expected.has(url.hostname.toLowerCase())) return 'Origin header does not match this host.';
  if (!['http', 'https', 'ws', 'wss'].includes(scheme)) return 'Origin header protocol does not match this host.';
  return null;
}
