/**
 * The access policy of one cell's broker, as data: per principal, the topics it may read and write and
 * the client ids it may use. The embedded broker enforces it through predicates (brokerGuards); the
 * same rules render a Mosquitto ACL file (mosquitto.ts), so both brokers apply one policy.
 *
 *  - the cell's own services: everything under `nc/<cell>/`;
 *  - a child's link: reads its `down/<child>` and its reply topic, writes its own `up/<child>` and
 *    replies to the parent's cell client (the only one that calls down); its last will goes to
 *    `gone/<child>`, which only the broker may publish (as the will), never the link itself;
 *  - a compute agent: reads its host's topic and its reply topic, writes its own report topic
 *    `conductor/<host>` and replies to the conductor (console output is a call).
 * Since each principal writes only topics that name it, a receiver knows the sender from the topic
 * (see senderOf in principals.ts) and authorizes each message by it.
 */
import { topicMatches } from '../../runtime/bus/index.ts';
import { cellPrefix, computeTopic, conductorTopicOfHost, downTopic, goneTopic, upTopic } from '../topics.ts';
import {
  computeClientId, internalClientId, linkClientId, principalOf, type Principal,
} from './principals.ts';

export interface BrokerCell {
  /** Full name of the cell whose broker this is. */
  path: string;
  childPaths: readonly string[];
  /** Compute hosts of a leaf cell. */
  hostNames: readonly string[];
}

export interface AclRule {
  access: 'read' | 'write' | 'readwrite';
  /** A topic or an MQTT pattern (`+`, `#`). */
  topic: string;
  /**
   * Written only as the principal's last will, published by the broker when the link breaks
   * (the embedded broker tells the two apart; Mosquitto cannot, and renders it as a plain write).
   */
  willOnly?: true;
}

const reply = (cell: string, clientId: string) => `${cellPrefix(cell)}/reply/${clientId}`;

/** Is the principal one this broker knows (a child of this cell, a host of this cell, this cell)? */
export function knows(cell: BrokerCell, p: Principal): boolean {
  if (p.kind === 'cell') return p.cell === cell.path;
  if (p.kind === 'link') return cell.childPaths.includes(p.child);
  return cell.hostNames.includes(p.host);
}

export function aclFor(cell: BrokerCell, p: Principal): AclRule[] {
  if (!knows(cell, p)) return [];
  const c = cell.path;
  if (p.kind === 'cell') return [{ access: 'readwrite', topic: `${cellPrefix(c)}/#` }];
  if (p.kind === 'link') {
    return [
      { access: 'read', topic: downTopic(c, p.child) },
      { access: 'read', topic: reply(c, linkClientId(p.child)) },
      { access: 'write', topic: upTopic(c, p.child) },
      { access: 'write', topic: goneTopic(c, p.child), willOnly: true },
      { access: 'write', topic: reply(c, internalClientId(c, 'cell')) },
    ];
  }
  return [
    { access: 'read', topic: computeTopic(c, p.host) },
    { access: 'read', topic: reply(c, computeClientId(p.host)) },
    { access: 'write', topic: conductorTopicOfHost(c, p.host) },
    { access: 'write', topic: reply(c, internalClientId(c, 'conductor')) },
  ];
}

/** May this principal connect under this client id? (Binding ids to users stops session takeover.) */
export function clientIdAllowed(cell: BrokerCell, p: Principal, clientId: string): boolean {
  if (!knows(cell, p)) return false;
  if (p.kind === 'cell') return clientId.startsWith(`${cell.path}:`);
  if (p.kind === 'link') return clientId === linkClientId(p.child);
  return clientId === computeClientId(p.host);
}

/** Every topic a subscription to `pattern` could deliver is covered by `rule`. */
export function patternWithin(pattern: string, rule: string): boolean {
  const p = pattern.split('/');
  const r = rule.split('/');
  for (let i = 0; i < p.length; i++) {
    const rs = r[i];
    if (rs === '#') return true;
    if (rs === undefined) return false;
    const ps = p[i]!;
    if (ps === '#') return false;
    if (rs === '+') continue;
    if (ps === '+' || ps !== rs) return false;
  }
  return p.length === r.length;
}

export function maySubscribe(cell: BrokerCell, username: string | undefined, pattern: string): boolean {
  const p = principalOf(username);
  if (!p) return false;
  return aclFor(cell, p).some((r) => r.access !== 'write' && patternWithin(pattern, r.topic));
}

/** @param isWill the broker is publishing the client's last will (not the client itself). */
export function mayPublish(cell: BrokerCell, username: string | undefined, topic: string, isWill = false): boolean {
  const p = principalOf(username);
  if (!p || topic.includes('+') || topic.includes('#')) return false;
  return aclFor(cell, p).some((r) => r.access !== 'read' && (!r.willOnly || isWill) && topicMatches(r.topic, topic));
}

/**
 * The three predicates startBroker takes, for one cell's broker. A client the broker `certified`
 * (mutual TLS: `username` is its certificate's CN, signed by the deployment CA) needs no password;
 * its principal and client id are checked all the same.
 */
export function brokerGuards(cell: BrokerCell, verify: (username: string, password: string | undefined) => boolean) {
  return {
    authenticate(clientId: string, username: string | undefined, password: string | undefined, certified = false): boolean {
      const p = principalOf(username);
      return !!p && clientIdAllowed(cell, p, clientId) && (certified || verify(username!, password));
    },
    authorizePublish: (_clientId: string, username: string | undefined, topic: string, isWill?: boolean) => mayPublish(cell, username, topic, isWill),
    authorizeSubscribe: (_clientId: string, username: string | undefined, pattern: string) => maySubscribe(cell, username, pattern),
  };
}
