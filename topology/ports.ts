/**
 * Ports of embedded brokers. A cell that names no port gets the next free one from `broker_base_port`
 * in tree order (api 1883, its first child 1884, ...), skipping ports other cells or the API claim, so
 * the same file always gives the same ports. Two listeners on one host and port are an error.
 */
import type { PathIssue, PathSegment } from './errors.ts';
import { parseListen } from './schema-common.ts';
import type { Topology } from './schema.ts';
import { walkCells } from './tree.ts';

export const DEFAULT_BROKER_HOST = '127.0.0.1';

export interface Listener {
  host: string;
  port: number;
  /** Who holds it, for messages: `the API (api.listen)` or `cell "api!eu"`. */
  owner: string;
}

const WILDCARD = new Set(['0.0.0.0', '::', '*']);

function clash(a: Listener, host: string, port: number): boolean {
  return a.port === port && port !== 0 && (a.host === host || WILDCARD.has(a.host) || WILDCARD.has(host));
}

export interface PortAllocation {
  /** Cell full name → its embedded broker's address (cells with an external broker are absent). */
  brokers: Map<string, { host: string; port: number }>;
  issues: PathIssue[];
}

/** Listeners indexed by port, so checking 10^4 cells stays linear. */
class Taken {
  private readonly byPort = new Map<number, Listener[]>();
  add(l: Listener): void {
    if (l.port === 0) return;
    const list = this.byPort.get(l.port);
    if (list) list.push(l);
    else this.byPort.set(l.port, [l]);
  }
  holder(host: string, port: number): Listener | undefined {
    return this.byPort.get(port)?.find((l) => clash(l, host, port));
  }
}

export function allocateBrokerPorts(t: Topology): PortAllocation {
  const issues: PathIssue[] = [];
  const taken = new Taken();
  taken.add({ ...parseListen(t.api.listen), owner: 'the API (api.listen)' });
  const brokers = new Map<string, { host: string; port: number }>();
  const auto: { path: string; host: string; dataPath: PathSegment[] }[] = [];

  walkCells(t.cell, (v) => {
    const b = v.cell.broker;
    if (b?.url !== undefined) return;
    const host = b?.host ?? DEFAULT_BROKER_HOST;
    if (b?.port === undefined) {
      auto.push({ path: v.path, host, dataPath: v.dataPath });
      return;
    }
    const holder = taken.holder(host, b.port);
    if (holder) {
      issues.push({
        path: [...v.dataPath, 'broker', 'port'],
        message: `port ${b.port} on ${host} is already taken by ${holder.owner}`,
      });
    }
    taken.add({ host, port: b.port, owner: `the embedded broker of cell "${v.path}"` });
    brokers.set(v.path, { host, port: b.port });
  });

  let next = t.broker_base_port;
  for (const a of auto) {
    // Base port 0: every such broker lets the system pick (tests running in parallel want this).
    if (t.broker_base_port === 0) {
      brokers.set(a.path, { host: a.host, port: 0 });
      continue;
    }
    while (next <= 65535 && taken.holder(a.host, next)) next++;
    if (next > 65535) {
      issues.push({
        path: [...a.dataPath, 'name'],
        message: `no free port left for the embedded broker of cell "${a.path}" (counting up from broker_base_port ${t.broker_base_port})`,
      });
      continue;
    }
    brokers.set(a.path, { host: a.host, port: next });
    next++;
  }
  return { brokers, issues };
}
