/**
 * The deployment's PKI on first start (one process per cell, broker_tls mutual — the default). The
 * API cell's process creates the CA in its pki dir when there is none, with every certificate the
 * topology needs, and later issues those the topology gained since (never again one that was issued
 * once: a revoked certificate stays revoked); all of it under the pki dir's lock, so two processes
 * never make two CAs. Every other process (and the API cell at a site without the CA key) waits a
 * while for its own certificate files — made by the API cell on a shared disk, or copied from the CA's
 * site — then gives up with the command that issues them.
 */
import { existsSync } from 'node:fs';
import { CaStore, caPaths, certFiles, pkiLockHeld, withPkiLock } from '../actors/cert/index.ts';
import { cellUser, deploymentCertificates, linkUser } from '../cells/security/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import type { PlanCell, TopologyPlan } from '../topology/plan-types.ts';
import { UsageError } from './usage-error.ts';

/** How long a process waits for its certificate files before it gives up (exit 2). */
export const CERTIFICATE_WAIT_MS = 20_000;
const POLL_MS = 250;

/** Create the CA if there is none and issue every certificate never issued; returns the names issued. */
export async function bootstrapPki(plan: TopologyPlan, log: Logger, now: () => number = Date.now): Promise<string[]> {
  const store = new CaStore(plan.brokerTls.pkiDir, now);
  // A site with the CA certificate but not its key (certificates copied from the CA's site) issues nothing.
  if (store.exists() && !existsSync(store.paths.caKey)) return [];
  return withPkiLock(store.paths.dir, async () => {
    if (!store.exists()) {
      await store.init(`${plan.name} CA`);
      log.warn({ dir: store.paths.dir }, 'created the deployment CA (ca.key 0600: keep it on this machine only)');
    }
    const issuedOnce = new Set(store.records().map((r) => r.name));
    const issued: string[] = [];
    for (const c of deploymentCertificates(plan)) {
      if (issuedOnce.has(c.name)) continue;
      await store.issue(c.name, { commonName: c.name, usage: c.usage, altNames: c.altNames });
      issued.push(c.name);
    }
    if (issued.length > 0) log.info({ dir: store.paths.dir, count: issued.length }, `issued ${issued.length} certificate(s); copy ca.crt, crl.pem and each site's own .crt/.key there`);
    return issued;
  });
}

/** The certificates a cell's process presents: its own (broker and services) and its link's on its parent's broker, where those are over TLS. */
export function cellCertificateNames(cell: PlanCell, parent: PlanCell | undefined): string[] {
  return [...(cell.broker.tls ? [cellUser(cell.path)] : []), ...(parent?.broker.tls ? [linkUser(cell.path)] : [])];
}

/** The files `names` need, that are not there. */
function missingFiles(pkiDir: string, names: readonly string[]): string[] {
  const files = [caPaths(pkiDir).caCert, ...names.flatMap((n) => Object.values(certFiles(pkiDir, n)))];
  return files.filter((f) => !existsSync(f));
}

export interface AwaitOptions {
  /** The topology file as given, for the command in the message. */
  topologyFile: string;
  log: Logger;
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Wait for the CA certificate and `names`' certificates and keys in the pki dir; a UsageError (exit 2)
 * if they do not come within `waitMs` — not counting the time a live process holds the pki dir's lock.
 */
export async function awaitCertificates(plan: TopologyPlan, names: readonly string[], o: AwaitOptions): Promise<void> {
  const dir = plan.brokerTls.pkiDir;
  const waitMs = o.waitMs ?? CERTIFICATE_WAIT_MS;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let missing = missingFiles(dir, names);
  if (missing.length > 0) o.log.warn({ dir, missing }, `waiting up to ${Math.round(waitMs / 1000)} s for certificates (broker_tls is mutual)`);
  // While the API cell is still issuing (it holds the pki dir's lock: a large topology takes a while),
  // the wait does not run down.
  for (let waited = 0; missing.length > 0; waited += pkiLockHeld(dir) ? 0 : POLL_MS) {
    if (waited >= waitMs) throw new UsageError(missingCertificatesMessage(plan, names, missing, o.topologyFile, waitMs));
    await sleep(POLL_MS);
    missing = missingFiles(dir, names);
  }
}

export function missingCertificatesMessage(plan: TopologyPlan, names: readonly string[], missing: string[], topologyFile: string, waitMs: number): string {
  const dir = plan.brokerTls.pkiDir;
  return [
    `mutual TLS (broker_tls, the default with one process per cell): no ${missing.join(', ')} after ${Math.round(waitMs / 1000)} s.`,
    'The API cell (novacell cell run --cell ' + plan.cells[0]!.path + ') creates the CA and every certificate in its pki dir on first start.',
    `Elsewhere, where the CA is: novacell cert issue --topology ${topologyFile} ${names.map((n) => `--name ${n}`).join(' ')}`,
    `then copy ca.crt, crl.pem and ${names.map((n) => `${n}.crt, ${n}.key`).join(', ')} into ${dir} here.`,
    '(Plain MQTT with passwords instead: broker_tls: {mode: off} in the topology.)',
  ].join('\n');
}

/** A process of one process per cell that talks over plain MQTT because the topology says so: say it once. */
export function warnIfPlainBrokers(plan: TopologyPlan, log: Logger): void {
  if (plan.brokerTls.mode === 'off') {
    log.warn('broker_tls mode off: links use plain mqtt:// with passwords, not mutual TLS (the default); keep the brokers on a private network');
  }
}
