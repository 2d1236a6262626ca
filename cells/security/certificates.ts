/**
 * Which certificates a deployment needs for mutual TLS on its brokers, and which one each principal
 * presents. The certificate's CN is the principal's broker username, so the broker learns the
 * principal from the handshake and the ACLs (policy.ts) apply unchanged:
 *  - `cell@<cell>`: the cell's broker (server) and its own services (client); names the broker host;
 *  - `link@<cell>`: the cell's link on its parent's broker (client);
 *  - `compute@<host>`: a compute agent on its leaf cell's broker (client);
 *  - `api`: the API cell's HTTPS endpoint, for operators who terminate TLS there (server).
 */
import type { PlanCell, TopologyPlan } from '../../topology/plan-types.ts';
import { cellUser, computeUser, linkUser } from './principals.ts';

export interface CertificatePlan {
  name: string;
  usage: 'client' | 'server' | 'client+server';
  altNames: string[];
  /** What it is for, for `novacell cert list`. */
  role: string;
}

function hostNames(host: string): string[] {
  const names = new Set([host]);
  // A broker bound to every interface is reached by local name as well.
  if (host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === 'localhost') {
    for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
  }
  names.delete('0.0.0.0');
  names.delete('::');
  return [...names];
}

export function cellCertificates(c: PlanCell): CertificatePlan[] {
  // An external broker (Mosquitto) presents the cell's certificate too, under its URL's host name.
  const broker = c.broker.kind === 'embedded' ? hostNames(c.broker.host) : hostNames(new URL(c.broker.url).hostname.replace(/^\[|\]$/g, ''));
  const out: CertificatePlan[] = [
    { name: cellUser(c.path), usage: 'client+server', altNames: broker, role: `broker and services of cell ${c.path}` },
  ];
  if (c.parentPath !== null) out.push({ name: linkUser(c.path), usage: 'client', altNames: [], role: `link of ${c.path} to ${c.parentPath}` });
  return out;
}

/** Every certificate of the deployment: per cell, per link, per compute host, and the API's. */
export function deploymentCertificates(plan: TopologyPlan): CertificatePlan[] {
  return [
    ...plan.cells.flatMap(cellCertificates),
    ...plan.hosts.map((h): CertificatePlan => ({ name: computeUser(h.name), usage: 'client', altNames: [], role: `compute agent of host ${h.name} (${h.cell})` })),
    { name: 'api', usage: 'server', altNames: hostNames(plan.api.host), role: 'the API endpoint' },
  ];
}
