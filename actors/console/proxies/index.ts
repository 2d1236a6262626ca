/**
 * The console proxies (Nova's novncproxy, spicehtml5proxy, serialproxy, xvpvncproxy) on `ws` and
 * `net`, and what they share: Origin check, token from query or cookie, the RFB security proxy.
 */
export { startConsoleProxies, PROXY_KINDS, type ConsoleProxies, type StartProxiesOptions } from './start-proxies.ts';
export { tokenCheckOver, type ConsoleTokenCheck, type ConsoleTokenValidator } from './token-check.ts';
export { WsConsoleProxy } from './ws-console-proxy.ts';
export { XvpProxy } from './xvp-proxy.ts';
export { novncProxy, NOVNC_ROOT } from './novnc-proxy.ts';
export { spiceProxy, SPICE_HTML5_ROOT } from './spice-proxy.ts';
export { serialProxy } from './serial-proxy.ts';
export { rfbSecurityProxy, SecurityProxyNegotiationFailed } from './rfb-security-proxy.ts';
export { originRefusal } from './origin.ts';
export { tokenOfRequest } from './request-token.ts';
