/** Small helpers of `cell run`: URLs without passwords, and a log line as each child cell joins. */
import type { Logger } from '../runtime/log/index.ts';
import type { ParentRole } from '../cells/tree/parent-role.ts';

/** A URL fit for logs: the password (if any) replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** Log which children are awaited, then each one as it joins; returns a function that stops watching. */
export function watchChildren(role: ParentRole | undefined, children: readonly string[], log: Logger): () => void {
  if (!role || children.length === 0) return () => undefined;
  const waiting = new Set(children.filter((c) => role.children.linkState(c)?.link !== 'up'));
  if (waiting.size === 0) return () => undefined;
  log.info({ children: [...waiting] }, 'waiting for child cells');
  const timer = setInterval(() => {
    for (const c of waiting) {
      if (role.children.linkState(c)?.link === 'up') {
        waiting.delete(c);
        log.info({ child: c }, 'child cell joined');
      }
    }
    if (waiting.size === 0) {
      log.info('every child cell has joined');
      clearInterval(timer);
    }
  }, 500);
  return () => clearInterval(timer);
}
