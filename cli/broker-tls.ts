/**
 * A cell's embedded broker over mutual TLS: its certificate (`cell@<cell>`), the deployment CA and
 * the CRL from the pki directory; and a watch on the CRL, so `novacell cert revoke` (with the new
 * crl.pem copied to the site) takes effect without a restart: later handshakes refuse the revoked
 * certificate and connections already made with it are dropped.
 */
import { existsSync, readFileSync, unwatchFile, watchFile } from 'node:fs';
import { caPaths, revokedSerials } from '../actors/cert/index.ts';
import { cellUser } from '../cells/security/index.ts';
import type { Broker, BrokerTls } from '../runtime/bus/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import { tlsMaterial } from './deployment.ts';

/** How often the CRL file is looked at (fs.watchFile polls; it works on every file system). */
const CRL_POLL_MS = 1000;

export function brokerTlsOf(pkiDir: string, cellPath: string): BrokerTls {
  const { ca, cert, key } = tlsMaterial(pkiDir, cellUser(cellPath));
  const crl = caPaths(pkiDir).crl;
  return { ca, cert, key, ...(existsSync(crl) ? { crl: readFileSync(crl) } : {}) };
}

export function watchCrl(broker: Broker, pkiDir: string, cellPath: string, log: Logger): () => void {
  const file = caPaths(pkiDir).crl;
  const reload = (): void => {
    try {
      const t = brokerTlsOf(pkiDir, cellPath);
      const revoked = t.crl ? revokedSerials(t.crl.toString('utf8')) : new Set<string>();
      broker.reloadTls(t, (serial) => revoked.has(serial.replace(/^0+/, '')));
      log.info({ file, revoked: revoked.size }, 'broker: TLS material reloaded');
    } catch (e) {
      // A half-copied or broken CRL must not open the broker: the previous context stays in force.
      log.error({ file, err: (e as Error).message }, 'broker: could not reload the CRL; keeping the previous one');
    }
  };
  watchFile(file, { interval: CRL_POLL_MS }, (cur, prev) => {
    if (cur.mtimeMs !== prev.mtimeMs) reload();
  });
  return () => unwatchFile(file);
}
