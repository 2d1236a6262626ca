/**
 * The URLs the API hands out (Nova's compute manager builds them from the same options): the
 * proxy's base URL from `[vnc] novncproxy_base_url`, `[spice] html5proxy_base_url`,
 * `[serial_console] base_url` or `[xvp] xvpvncproxy_base_url`, else where this deployment's own proxy
 * listens, with the token appended the way each client reads it.
 */
import type { NovaConfig } from '../../runtime/config/index.ts';
import type { ConsoleType } from './console-auth-token.ts';

export type ConsoleBaseUrls = Record<ConsoleType, string>;

/** The four proxies, by the name `novacell console run` takes. */
export type ProxyKind = 'novnc' | 'spice' | 'serial' | 'xvp';

export const PROXY_OF_TYPE: Readonly<Record<ConsoleType, ProxyKind>> = {
  novnc: 'novnc', 'spice-html5': 'spice', serial: 'serial', xvpvnc: 'xvp',
};

export interface Listening {
  host: string;
  port: number;
}

/** Where a proxy listens by configuration (Nova's option names and ports 6080-6083); `defaultHost` fills an empty host. */
export function proxyListen(config: NovaConfig, kind: ProxyKind, defaultHost = '0.0.0.0'): Listening {
  const l = configuredListen(config, kind);
  return { host: l.host || defaultHost, port: l.port };
}

function configuredListen(config: NovaConfig, kind: ProxyKind): Listening {
  switch (kind) {
    case 'novnc':
      return { host: config.vnc.novncproxy_host, port: config.vnc.novncproxy_port };
    case 'spice':
      return { host: config.spice.html5proxy_host, port: config.spice.html5proxy_port };
    case 'serial':
      return { host: config.serial_console.serialproxy_host, port: config.serial_console.serialproxy_port };
    case 'xvp':
      return { host: config.xvp.xvpvncproxy_host, port: config.xvp.xvpvncproxy_port };
  }
}

function hostPart(l: Listening): string {
  const h = l.host === '0.0.0.0' || l.host === '::' || l.host === '' ? '127.0.0.1' : l.host;
  return `${h.includes(':') ? `[${h}]` : h}:${l.port}`;
}

/** Base URLs: configured ones as they are, the others from where the proxies listen. */
export function consoleBaseUrls(config: NovaConfig, listening: Partial<Record<ProxyKind, Listening>> = {}): ConsoleBaseUrls {
  const at = (k: ProxyKind) => hostPart(listening[k] ?? proxyListen(config, k));
  return {
    novnc: config.vnc.novncproxy_base_url || `http://${at('novnc')}/vnc_auto.html`,
    'spice-html5': config.spice.html5proxy_base_url || `http://${at('spice')}/spice_auto.html`,
    serial: config.serial_console.base_url || `ws://${at('serial')}/`,
    xvpvnc: config.xvp.xvpvncproxy_base_url || `http://${at('xvp')}/console`,
  };
}

/** Nova's access_url: noVNC takes the websocket path (`?path=%3Ftoken%3D…`), the others `?token=…`. */
export function consoleAccessUrl(base: string, type: ConsoleType, token: string): string {
  const sep = base.includes('?') ? '&' : '?';
  if (type === 'novnc') return `${base}${sep}path=${encodeURIComponent(`?token=${token}`)}`;
  return `${base}${sep}token=${encodeURIComponent(token)}`;
}
