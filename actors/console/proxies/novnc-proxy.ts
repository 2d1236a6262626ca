/**
 * nova-novncproxy: serves the noVNC client at Nova's URL shape (`/vnc_auto.html?path=%3Ftoken%3D…`,
 * noVNC's vnc_lite.html, which connects at once) from Debian's novnc package, and proxies its
 * websocket through the RFB security proxy to the guest's VNC server.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import { rfbSecurityProxy } from './rfb-security-proxy.ts';
import type { ConsoleTokenCheck } from './token-check.ts';
import { WsConsoleProxy } from './ws-console-proxy.ts';

export const NOVNC_ROOT = '/usr/share/novnc';

export function novncProxy(o: { config: NovaConfig; check: ConsoleTokenCheck; log: Logger; root?: string }): WsConsoleProxy {
  return new WsConsoleProxy({
    service: 'nova-novncproxy',
    consoleType: 'novnc',
    check: o.check,
    allowedOrigins: o.config.console.allowed_origins,
    site: {
      root: o.root ?? NOVNC_ROOT,
      aliases: new Map([['/', 'vnc_lite.html'], ['/vnc_auto.html', 'vnc_lite.html']]),
    },
    handshake: (client, server) => rfbSecurityProxy(client, server, o.config.vnc.auth_schemes),
    log: o.log.child({ service: 'nova-novncproxy' }),
  });
}
