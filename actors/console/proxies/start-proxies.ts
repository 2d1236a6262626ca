/**
 * Start the console proxies a process runs (all four inside `novacell up`, one or more with
 * `novacell console run`), each on its configured address (`[vnc] novncproxy_host/port` & co.).
 * With `fallbackToFreePort`, a port already taken (another deployment on the same machine) is
 * replaced by a free one and logged; the API's URLs follow where the proxy really listens.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import { proxyListen, type Listening, type ProxyKind } from '../console-urls.ts';
import { novncProxy } from './novnc-proxy.ts';
import { serialProxy } from './serial-proxy.ts';
import { spiceProxy } from './spice-proxy.ts';
import type { ConsoleTokenCheck } from './token-check.ts';
import { XvpProxy } from './xvp-proxy.ts';
import { errorCode, errorMessage } from '../../../runtime/errors/index.ts';

export const PROXY_KINDS: readonly ProxyKind[] = ['novnc', 'spice', 'serial', 'xvp'];

interface Proxy {
  listen(host: string, port: number): Promise<Listening>;
  close(): Promise<void>;
}

export interface StartProxiesOptions {
  config: NovaConfig;
  check: ConsoleTokenCheck;
  log: Logger;
  kinds?: readonly ProxyKind[];
  /** Overrides the configured address of a proxy. */
  listen?: Partial<Record<ProxyKind, Listening>>;
  fallbackToFreePort?: boolean;
  /** Host for proxies whose configured host is empty (default 0.0.0.0, Nova's). */
  defaultHost?: string;
}

export interface ConsoleProxies {
  listening: Partial<Record<ProxyKind, Listening>>;
  close(): Promise<void>;
}

function make(kind: ProxyKind, o: StartProxiesOptions): Proxy {
  const d = { config: o.config, check: o.check, log: o.log };
  switch (kind) {
    case 'novnc': return novncProxy(d);
    case 'spice': return spiceProxy(d);
    case 'serial': return serialProxy(d);
    case 'xvp': return new XvpProxy(d);
  }
}

export async function startConsoleProxies(o: StartProxiesOptions): Promise<ConsoleProxies> {
  const started: Proxy[] = [];
  const listening: Partial<Record<ProxyKind, Listening>> = {};
  try {
    for (const kind of o.kinds ?? PROXY_KINDS) {
      const want = o.listen?.[kind] ?? proxyListen(o.config, kind, o.defaultHost);
      let p = make(kind, o);
      try {
        listening[kind] = await p.listen(want.host, want.port);
      } catch (e) {
        if (!o.fallbackToFreePort || errorCode(e) !== 'EADDRINUSE') {
          throw new Error(`console proxy ${kind} cannot listen on ${want.host}:${want.port}: ${errorMessage(e)}`);
        }
        p = make(kind, o);
        listening[kind] = await p.listen(want.host, 0);
        o.log.warn({ proxy: kind, wanted: want.port, port: listening[kind]!.port }, 'console proxy port in use; listening on a free one');
      }
      started.push(p);
    }
  } catch (e) {
    await Promise.all(started.map((p) => p.close()));
    throw e;
  }
  return { listening, close: async () => { await Promise.all(started.map((p) => p.close())); } };
}
