/**
 * nova-spicehtml5proxy: serves Debian's spice-html5 client (`/spice_auto.html?token=…`; the page keeps
 * the token in a cookie) and proxies every websocket of a session — SPICE opens one per channel
 * (main, display, inputs, cursor), all with the same multi-use token — to the guest's SPICE port.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { ConsoleTokenCheck } from './token-check.ts';
import { WsConsoleProxy } from './ws-console-proxy.ts';

export const SPICE_HTML5_ROOT = '/usr/share/spice-html5';

export function spiceProxy(o: { config: NovaConfig; check: ConsoleTokenCheck; log: Logger; root?: string }): WsConsoleProxy {
  return new WsConsoleProxy({
    service: 'nova-spicehtml5proxy',
    consoleType: 'spice-html5',
    check: o.check,
    allowedOrigins: o.config.console.allowed_origins,
    site: { root: o.root ?? SPICE_HTML5_ROOT, aliases: new Map([['/', 'spice_auto.html']]) },
    log: o.log.child({ service: 'nova-spicehtml5proxy' }),
  });
}
