/**
 * What the per-process commands share: loading the plan (with --data-dir), finding a cell or host by
 * name (a usage error listing the choices otherwise), the login a principal uses on a cell's broker
 * (derived password, or the topology's for an external broker), and connecting with retries while the
 * broker is not there yet or not ready.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MqttBus, type MqttBusOptions, type TlsMaterial } from '../runtime/bus/index.ts';
import type { Clock } from '../runtime/clock/index.ts';
import { Unauthorized, errorMessage } from '../runtime/errors/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import type { RandomStream } from '../runtime/rng/index.ts';
import { loadTopology } from '../topology/load.ts';
import { resolvePlan } from '../topology/plan.ts';
import type { Topology } from '../topology/index.ts';
import type { PlanCell, PlanHost, TopologyPlan } from '../topology/plan-types.ts';
import { brokerPassword, replySenders, usernameOf, type BrokerCell, type Principal } from '../cells/security/index.ts';
import { cellOfPrefix } from '../cells/topics.ts';
import { UsageError } from './usage-error.ts';
import { caPaths, certFiles } from '../actors/cert/index.ts';

/** Pause between attempts while a broker is not there yet (a cell starting, or starting before its parent). */
const RETRY_MS = 300;

/** The command-line overrides `up` and `cell run` share. */
export interface PlanOverrides {
  /** Overrides the topology's data_dir. */
  dataDir?: string;
  /** Overrides the topology's api.listen (host:port; port 0 picks a free one) and drops its public_url. */
  apiListen?: string;
  /** Overrides broker_base_port (0: every embedded broker on a free port). */
  brokerBasePort?: number;
}

export function withOverrides(t: Topology, o: PlanOverrides): Topology {
  return {
    ...t,
    ...(o.dataDir !== undefined ? { data_dir: o.dataDir } : {}),
    ...(o.brokerBasePort !== undefined ? { broker_base_port: o.brokerBasePort } : {}),
    ...(o.apiListen !== undefined ? { api: { ...t.api, listen: o.apiListen, public_url: undefined } } : {}),
  } as Topology;
}

/**
 * The plan of a topology file for one process per cell (broker_tls mutual unless it says off), or for
 * `novacell up` with `processes: 'single'` (plain MQTT with passwords).
 */
export function loadPlan(file: string, o: PlanOverrides = {}, processes: 'single' | 'processes' = 'processes'): TopologyPlan {
  return resolvePlan(withOverrides(loadTopology(resolve(file)), o), { baseDir: process.cwd(), processes });
}

export function requireCell(plan: TopologyPlan, path: string): PlanCell {
  const c = plan.cells.find((x) => x.path === path);
  if (c) return c;
  const names = plan.cells.map((x) => x.path);
  const near = names.filter((n) => n.endsWith(`!${path}`) || n.split('!').pop() === path);
  throw new UsageError(
    `no cell "${path}" in the topology${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''} (cells: ${names.join(', ')})`,
  );
}

export function requireHost(plan: TopologyPlan, cell: PlanCell, host: string): PlanHost {
  const h = plan.hosts.find((x) => x.name === host);
  if (h && h.cell === cell.path) return h;
  if (h) throw new UsageError(`host "${host}" belongs to cell "${h.cell}", not "${cell.path}"`);
  const list = cell.hostNames.length > 6 ? `${cell.hostNames.slice(0, 6).join(', ')}, …` : cell.hostNames.join(', ');
  throw new UsageError(`no host "${host}" in cell "${cell.path}"${cell.isLeaf ? ` (its hosts: ${list || 'none'})` : ' (it is not a leaf cell; only leaf cells have hosts)'}`);
}

export function brokerCellOf(c: PlanCell): BrokerCell {
  return { path: c.path, childPaths: c.childPaths, hostNames: c.hostNames };
}

export interface BrokerLogin {
  url: string;
  username: string;
  password: string;
  ca?: Buffer;
  /**
   * Mutual TLS: the CA, and the principal's client certificate and key (its CN is `username`), read
   * from the pki dir at every (re)connect, so a rotated certificate is used without a restart.
   */
  tls?: () => TlsMaterial;
}

/** The CA, certificate and key `name` presents on a broker with mutual TLS (a clear error if one is missing or they do not match). */
export function tlsMaterial(pkiDir: string, name: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const files = { ca: caPaths(pkiDir).caCert, ...certFiles(pkiDir, name) };
  for (const f of Object.values(files)) {
    if (!existsSync(f)) {
      throw new UsageError(`${f} is missing: broker_tls is mutual (the default with one process per cell), so ${name} needs its certificate (novacell cert issue --topology <file> --name ${name}, then copy ${pkiDir}/ca.crt, ${name}.crt and ${name}.key here)`);
    }
  }
  const m = { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
  // A rotation writes the key, then the certificate: between the two they do not belong together.
  if (!new X509Certificate(m.cert).checkPrivateKey(createPrivateKey(m.key))) throw new UsageError(`${files.cert} and ${files.key} do not belong together`);
  return m;
}

/**
 * Reads `name`'s TLS material now (it must be there) and again at each call; a call that finds the
 * files half-rotated or unreadable keeps to the last good material.
 */
export function tlsProvider(pkiDir: string, name: string, ca?: Buffer): () => TlsMaterial {
  let last = tlsMaterial(pkiDir, name);
  const read = (): TlsMaterial => {
    try {
      last = tlsMaterial(pkiDir, name);
    } catch {
      // keep `last`
    }
    return ca ? { ...last, ca } : last;
  };
  return read;
}

/** The URL of a cell's broker; an embedded broker must have a fixed port for other processes to find it. */
export function brokerUrl(c: PlanCell): string {
  if (c.broker.kind === 'external') return c.broker.url;
  if (c.broker.port === 0) {
    throw new UsageError(
      `cell "${c.path}": its embedded broker has no fixed port (broker_base_port 0); one process per cell needs fixed ports (set broker.port or broker_base_port)`,
    );
  }
  return c.broker.url;
}

/** How `principal` logs in to the broker of cell `c`. */
export function brokerLogin(c: PlanCell, principal: Principal, secret: string, o: { tls?: boolean } = {}): BrokerLogin {
  const url = brokerUrl(c);
  const b = c.broker;
  const ca = b.kind === 'external' && b.caFile ? readFileSync(b.caFile) : undefined;
  // Over mutual TLS the certificate is the credential; no password is derived (nor a secret needed).
  if (b.tls && o.tls !== false) {
    const username = usernameOf(principal);
    return { url, username, password: '', tls: tlsProvider(b.tls.pkiDir, username, ca), ...(ca ? { ca } : {}) };
  }
  if (b.kind === 'external' && principal.kind === 'cell' && b.username !== null) {
    return { url, username: b.username, password: b.password ?? '', ca };
  }
  const username = usernameOf(principal);
  return { url, username, password: brokerPassword(secret, c.path, username), ca };
}

export interface ConnectOptions {
  login: BrokerLogin;
  clientId: string;
  topicPrefix: string;
  clock: Clock;
  rng: RandomStream;
  log: Logger;
  will?: MqttBusOptions['will'];
  clean?: boolean;
  /** Give up after this long (default: keep trying). */
  deadlineMs?: number;
  /** What we are connecting to, for log lines. */
  what: string;
}

/** On a cell's broker, a call's reply goes only to its sender's own reply topic (runtime/bus/endpoint.ts). */
function replyCheck(topicPrefix: string): Pick<MqttBusOptions, 'replySender'> {
  const cell = cellOfPrefix(topicPrefix);
  return cell === undefined ? {} : { replySender: replySenders(cell) };
}

/** Connect, retrying every RETRY_MS while the broker is unreachable or starting; refused credentials fail at once. */
export async function connectWithRetry(o: ConnectOptions): Promise<MqttBus> {
  const started = Date.now();
  let warned = 0;
  for (;;) {
    try {
      return await MqttBus.connect({
        url: o.login.url, clientId: o.clientId, username: o.login.username, password: o.login.password || undefined, ca: o.login.ca,
        ...(o.login.tls ? { tls: o.login.tls } : {}),
        clock: o.clock, rng: o.rng, topicPrefix: o.topicPrefix, will: o.will, clean: o.clean, log: o.log, ...replyCheck(o.topicPrefix),
      });
    } catch (e) {
      if (e instanceof Unauthorized) {
        throw new Error(o.login.tls
          ? `${o.what} (${o.login.url}) refused the certificate of ${o.login.username}: is it revoked, or for another cell?`
          : `${o.what} (${o.login.url}) refused the credentials of ${o.login.username}: every cell of a deployment needs the same secrets.json`);
      }
      const waited = Date.now() - started;
      if (o.deadlineMs !== undefined && waited >= o.deadlineMs) throw new Error(`${o.what} (${o.login.url}): ${errorMessage(e)}`);
      if (waited - warned >= 10_000 || warned === 0) {
        warned = waited || 1;
        o.log.warn({ url: o.login.url, err: errorMessage(e) }, `waiting for ${o.what}`);
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
