/**
 * `novacell console run novnc|spice|serial|xvp [...]`: console proxies as their own process, for a
 * deployment run as one process per cell (`novacell cell run`). The proxy logs in to the API cell's
 * broker as the cell, like `novacell status` (its certificate over mutual TLS; else its login from
 * secrets.json), and asks the tree for each token by hash; listen addresses come from the API cell's [vnc], [spice], [serial_console] and
 * [xvp] options, or --listen. A site can run its own near its hosts.
 */
import { RealClock } from '../runtime/clock/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import '../cells/messages.ts';
import { cellPrefix } from '../cells/topics.ts';
import { cellUser, internalClientId } from '../cells/security/index.ts';
import { awaitCertificates, warnIfPlainBrokers } from './pki-bootstrap.ts';
import { RemoteCellsPort } from '../cells/tree/remote-cells-port.ts';
import { startConsoleProxies, tokenCheckOver, PROXY_KINDS } from '../actors/console/proxies/index.ts';
import { consoleBaseUrls, type ProxyKind } from '../actors/console/console-urls.ts';
import { brokerLogin, connectWithRetry, loadPlan } from './deployment.ts';
import { readSecrets, secretsPath } from './secrets.ts';
import { exitOnSignalWhileStarting, untilSignal } from './shutdown.ts';
import { UsageError } from './usage-error.ts';

export interface ConsoleRunOptions {
  topology: string;
  /** host:port, only with a single proxy. */
  listen?: string;
  dataDir?: string;
  secrets?: string;
}

function parseListen(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--listen ${s}: expected host:port`);
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

export async function consoleRun(kinds: string[], o: ConsoleRunOptions): Promise<void> {
  const isProxyKind = (k: string): k is ProxyKind => PROXY_KINDS.some((p) => p === k);
  const chosen: ProxyKind[] = [];
  for (const k of kinds.length === 0 ? PROXY_KINDS : kinds) {
    if (!isProxyKind(k)) throw new UsageError(`unknown console proxy "${k}" (novnc, spice, serial or xvp)`);
    chosen.push(k);
  }
  if (o.listen && chosen.length !== 1) throw new UsageError('--listen needs exactly one proxy');
  const plan = loadPlan(o.topology, { dataDir: o.dataDir });
  const api = plan.cells[0]!;
  const log = createLogger({ service: 'nova-consoleproxy' });
  const starting = exitOnSignalWhileStarting(log);
  // The API cell's certificate over mutual TLS (the default), else its login from secrets.json.
  warnIfPlainBrokers(plan, log);
  if (api.broker.tls) await awaitCertificates(plan, [cellUser(api.path)], { topologyFile: o.topology, log });
  const secret = api.broker.tls ? '' : readSecrets(secretsPath(plan, o.secrets)).broker_secret;
  const rng = entropyRng();
  const clock = new RealClock();
  const bus = await connectWithRetry({
    login: brokerLogin(api, { kind: 'cell', cell: api.path }, secret), clientId: internalClientId(api.path, `console-${process.pid}`),
    topicPrefix: cellPrefix(api.path), clock, rng: rng.stream('console'), log, clean: true, what: `the broker of cell ${api.path}`,
  });
  const port = new RemoteCellsPort(bus, api.path, 30_000);
  const kindsToRun = chosen;
  const proxies = await startConsoleProxies({
    config: api.nova, check: tokenCheckOver(port), log, kinds: kindsToRun,
    listen: o.listen ? { [kindsToRun[0]!]: parseListen(o.listen) } : undefined,
  });
  starting();
  const urls = consoleBaseUrls(api.nova, proxies.listening);
  for (const k of kindsToRun) {
    const l = proxies.listening[k]!;
    const url = k === 'novnc' ? urls.novnc : k === 'spice' ? urls['spice-html5'] : k === 'serial' ? urls.serial : urls.xvpvnc;
    process.stdout.write(`console proxy ${k}: listening on ${l.host}:${l.port} (base URL ${url})\n`);
  }
  await untilSignal(log, async () => {
    await proxies.close();
    await bus.close();
  });
}
