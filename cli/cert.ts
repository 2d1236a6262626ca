/**
 * `novacell cert ...`: the deployment's CA (nova-cert) for mutual TLS on the brokers. `init` creates
 * the CA in the pki directory (broker_tls.pki_dir, default <data_dir>/pki); `issue` makes the
 * certificates the topology needs (one per cell, cell link, compute host, and the API) or just the
 * named ones; `rotate` replaces one and revokes the old; `revoke` adds to the CRL brokers check;
 * `list` shows what was issued; `crl` re-signs the CRL before it expires.
 */
import { CaStore, CertificateError, withPkiLock, type IssuedRecord } from '../actors/cert/index.ts';
import { deploymentCertificates, type CertificatePlan } from '../cells/security/index.ts';
import { loadPlan } from './deployment.ts';
import { UsageError } from './usage-error.ts';

export interface CertOptions {
  topology: string;
  dataDir?: string;
}

function storeOf(o: CertOptions): { store: CaStore; plan: ReturnType<typeof loadPlan> } {
  const plan = loadPlan(o.topology, { dataDir: o.dataDir });
  return { store: new CaStore(plan.brokerTls.pkiDir, () => Date.now()), plan };
}

/**
 * CA errors are the operator's to fix (exit 2 with the message), not crashes. Every change to the pki
 * dir happens under its lock (a `cell run` of the API cell may be creating it at the same moment).
 */
async function asUsage<T>(f: () => Promise<T>, dir?: string): Promise<T> {
  try {
    return await (dir === undefined ? f() : withPkiLock(dir, f));
  } catch (e) {
    if (e instanceof CertificateError) throw new UsageError(e.message);
    throw e;
  }
}

export async function certInit(o: CertOptions & { days?: number }): Promise<void> {
  const { store, plan } = storeOf(o);
  const ca = await asUsage(() => store.init(`${plan.name} CA`, o.days), store.paths.dir);
  process.stdout.write(`CA "${ca.subject}" created in ${store.paths.dir} (ca.key 0600: keep it on this machine only)\n`);
}

function wanted(plan: ReturnType<typeof loadPlan>, names: readonly string[]): CertificatePlan[] {
  const all = deploymentCertificates(plan);
  if (names.length === 0) return all;
  return names.map((n) => {
    const c = all.find((x) => x.name === n);
    if (!c) throw new UsageError(`the topology needs no certificate "${n}" (names: cell@<cell>, link@<cell>, compute@<host>, api; see novacell cert list)`);
    return c;
  });
}

export async function certIssue(o: CertOptions & { name: string[]; days?: number; force?: boolean }): Promise<void> {
  const { store, plan } = storeOf(o);
  let issued = 0;
  for (const c of wanted(plan, o.name)) {
    const cert = await asUsage(async () => (!o.force && store.current(c.name) ? undefined
      : store.issue(c.name, { commonName: c.name, usage: c.usage, altNames: c.altNames, days: o.days })), store.paths.dir);
    if (!cert) continue;
    process.stdout.write(`${c.name}: serial ${cert.serial}, ${c.role}\n`);
    issued++;
  }
  process.stdout.write(`${issued} certificate(s) issued in ${store.paths.dir}\n`);
}

export async function certRotate(o: CertOptions & { name: string[]; days?: number }): Promise<void> {
  const { store, plan } = storeOf(o);
  if (o.name.length === 0) throw new UsageError('name the certificates to rotate (--name cell@api!eu ...)');
  for (const c of wanted(plan, o.name)) {
    const { issued, revoked } = await asUsage(() => store.rotate(c.name, { commonName: c.name, usage: c.usage, altNames: c.altNames, days: o.days }), store.paths.dir);
    process.stdout.write(`${c.name}: serial ${issued.serial}${revoked.length ? `, revoked ${revoked.join(', ')}` : ''}\n`);
  }
  process.stdout.write(`copy the new certificates and ${store.paths.crl} to their sites; brokers reload the CRL by themselves\n`);
}

export async function certRevoke(o: CertOptions & { target: string }): Promise<void> {
  const { store } = storeOf(o);
  const serials = await asUsage(() => store.revoke(o.target), store.paths.dir);
  process.stdout.write(`revoked ${serials.join(', ')}; CRL ${store.paths.crl} (copy it to every site with a broker)\n`);
}

export async function certCrl(o: CertOptions): Promise<void> {
  const { store } = storeOf(o);
  await asUsage(() => store.writeCrl(), store.paths.dir);
  process.stdout.write(`${store.paths.crl} re-signed\n`);
}

export function certList(o: CertOptions): void {
  const { store } = storeOf(o);
  const rows: IssuedRecord[] = store.records();
  const w = Math.max(4, ...rows.map((r) => r.name.length));
  process.stdout.write(`${'NAME'.padEnd(w)}  SERIAL                            NOT AFTER             STATUS\n`);
  for (const r of rows) {
    process.stdout.write(`${r.name.padEnd(w)}  ${r.serial.padEnd(32)}  ${r.notAfter.slice(0, 19)}Z  ${r.revokedAt ? `revoked ${r.revokedAt.slice(0, 19)}Z` : 'valid'}\n`);
  }
}
