/**
 * nova-serialproxy: a websocket (`ws://…/?token=…`) joined to the guest's serial port, which the
 * hypervisor exposes as a TCP socket on the compute host. No pages: clients are scripts and tools.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { ConsoleTokenCheck } from './token-check.ts';
import { WsConsoleProxy } from './ws-console-proxy.ts';

export function serialProxy(o: { config: NovaConfig; check: ConsoleTokenCheck; log: Logger }): WsConsoleProxy {
  return new WsConsoleProxy({
    service: 'nova-serialproxy',
    consoleType: 'serial',
    check: o.check,
    allowedOrigins: o.config.console.allowed_origins,
    log: o.log.child({ service: 'nova-serialproxy' }),
  });
}
