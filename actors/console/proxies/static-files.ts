/**
 * Serves a console client's files (Debian's /usr/share/novnc, /usr/share/spice-html5) read-only: GET
 * and HEAD, no listings, no path outside the root, a few page aliases (Nova's vnc_auto.html is
 * noVNC's vnc_lite.html).
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'], ['.js', 'text/javascript; charset=utf-8'], ['.css', 'text/css; charset=utf-8'],
  ['.png', 'image/png'], ['.svg', 'image/svg+xml'], ['.ico', 'image/x-icon'], ['.json', 'application/json'],
  ['.woff', 'font/woff'], ['.woff2', 'font/woff2'], ['.ttf', 'font/ttf'], ['.ogg', 'audio/ogg'], ['.mp3', 'audio/mpeg'],
]);

export interface StaticSite {
  root: string;
  /** URL path → file under root. */
  aliases: ReadonlyMap<string, string>;
}

function send(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

export function serveStatic(site: StaticSite, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed');
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://proxy.invalid').pathname);
  } catch {
    return send(res, 400, 'Bad Request');
  }
  const rel = site.aliases.get(path) ?? path.replace(/^\/+/, '');
  const file = normalize(join(site.root, rel));
  if (path.includes('\0') || (file !== site.root && !file.startsWith(site.root.endsWith(sep) ? site.root : site.root + sep))) {
    return send(res, 404, 'Not Found');
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return send(res, 404, 'Not Found');
    size = st.size;
  } catch {
    return send(res, 404, 'Not Found');
  }
  res.writeHead(200, {
    'content-type': TYPES.get(extname(file)) ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
