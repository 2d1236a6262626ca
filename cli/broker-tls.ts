/**
 * A cell's embedded broker over mutual TLS: its certificate (`cell@<cell>`), the deployment CA and
 * the CRL from the pki directory; and a watch on those files, so rotation and revocation take effect
 * without a restart: after `novacell cert rotate` (or a new certificate copied to the site) the next
 * handshakes present the new certificate; after `novacell cert revoke` (with the new crl.pem copied
 * to the site) later handshakes refuse the revoked certificate and connections made with it are dropped.
 */
import { chmodSync, existsSync, readFileSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caPaths, certFiles, revokedSerials } from '../actors/cert/index.ts';
import { cellUser } from '../cells/security/index.ts';
import type { Broker, BrokerTls } from '../runtime/bus/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import { tlsMaterial } from './deployment.ts';
import { errorMessage } from '../runtime/errors/index.ts';

/** How often the files are looked at (fs.watchFile polls; it works on every file system, and on files replaced by rename). */
const POLL_MS = 1000;
/** A rotation writes the key, then the certificate, then the CRL: reload once they have all landed. */
const SETTLE_MS = 300;

export function brokerTlsOf(pkiDir: string, cellPath: string): BrokerTls {
  const { ca, cert, key } = tlsMaterial(pkiDir, cellUser(cellPath));
  const crl = caPaths(pkiDir).crl;
  return { ca, cert, key, ...(existsSync(crl) ? { crl: readFileSync(crl) } : {}) };
}

/** Watch the broker's certificate, key, CA and CRL; reload the broker's TLS context when one changes. Returns the unwatch. */
export function watchBrokerTls(broker: Broker, pkiDir: string, cellPath: string, log: Logger): () => void {
  const paths = caPaths(pkiDir);
  const own = certFiles(pkiDir, cellUser(cellPath));
  const files = [paths.crl, paths.caCert, own.cert, own.key];
  let timer: NodeJS.Timeout | undefined;
  const reload = (): void => {
    timer = undefined;
    try {
      const t = brokerTlsOf(pkiDir, cellPath);
      const revoked = t.crl ? revokedSerials(t.crl.toString('utf8')) : new Set<string>();
      broker.reloadTls(t, (serial) => revoked.has(serial.replace(/^0+/, '')));
      log.info({ dir: pkiDir, revoked: revoked.size }, 'broker: TLS material reloaded');
    } catch (e) {
      // A half-copied or broken file must not open the broker: the previous context stays in force.
      log.error({ dir: pkiDir, err: errorMessage(e) }, 'broker: could not reload its TLS material; keeping the previous');
    }
  };
  for (const file of files) {
    watchFile(file, { interval: POLL_MS }, (cur, prev) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.ino === prev.ino) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, SETTLE_MS);
    });
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const file of files) unwatchFile(file);
  };
}

/**
 * For a cell on an external Mosquitto with mutual TLS: copy the CA, the CRL and the broker's
 * certificate and key (0600) into `out`, and write `tls.conf`, the listener options that make
 * Mosquitto demand a certificate from the deployment CA and take its CN as the username (so the ACL
 * file from broker-config applies). Returns the files written.
 */
export function mosquittoTlsFiles(pkiDir: string, cellPath: string, out: string): string[] {
  const { ca, cert, key } = tlsMaterial(pkiDir, cellUser(cellPath));
  const files = { ca: join(out, 'ca.crt'), cert: join(out, 'broker.crt'), key: join(out, 'broker.key'), crl: join(out, 'crl.pem'), conf: join(out, 'tls.conf') };
  writeFileSync(files.ca, ca);
  writeFileSync(files.cert, cert);
  writeFileSync(files.key, key, { mode: 0o600 });
  chmodSync(files.key, 0o600);
  const crl = caPaths(pkiDir).crl;
  const conf = [
    `# novacell: mutual TLS for the broker of cell ${cellPath} (generated; put these lines under its listener)`,
    `cafile ${files.ca}`, `certfile ${files.cert}`, `keyfile ${files.key}`,
    ...(existsSync(crl) ? [`crlfile ${files.crl}`] : []),
    'require_certificate true', 'use_identity_as_username true', '',
  ];
  if (existsSync(crl)) writeFileSync(files.crl, readFileSync(crl));
  writeFileSync(files.conf, conf.join('\n'));
  return Object.values(files).filter((f) => existsSync(f));
}
