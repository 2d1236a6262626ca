/**
 * The console token of a request, as Nova's proxy finds it: the `token` query parameter (noVNC's
 * websocket path `/?token=…`, XVP's `CONNECT /console?token=…`), else a `token` cookie (SPICE-HTML5
 * sets one and then opens its sockets on a bare path). Anything that is not a plain token is ignored.
 */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export function tokenOfRequest(url: string | undefined, cookieHeader: string | undefined): string | null {
  let q: string | null = null;
  try {
    q = new URL(url ?? '/', 'http://proxy.invalid').searchParams.get('token');
  } catch {
    q = null;
  }
  if (q !== null && TOKEN.test(q)) return q;
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== 'token') continue;
    let v = part.slice(eq + 1).trim();
    try {
      v = decodeURIComponent(v);
    } catch {
      continue;
    }
    if (TOKEN.test(v)) return v;
  }
  return null;
}
