/**
 * nova-cert's two RPCs as the API uses them (nova/cert/manager.py): `fetch_ca` returns the root CA
 * certificate, `generate_x509_cert` makes a key pair and a certificate for a user, signed by that CA.
 * As nova/crypto.py did: RSA 2048, subject `C=US, ST=California, O=OpenStack, OU=NovaDev,
 * CN=<project 16>-<user 16>-<isotime>`, the CA created on first use when absent
 * (ensure_ca_filesystem), one CA for every project (use_project_ca false). The private key goes
 * back to the caller and is not kept; the issue is recorded so an operator can revoke it by serial.
 */
import { CertificateError } from './authority.ts';
import type { CaStore } from './store.ts';
import { withPkiLock } from './lock.ts';

/** nova/crypto.py's default `cert_subject` before the CN. */
const NOVA_SUBJECT = 'C=US, ST=California, O=OpenStack, OU=NovaDev';

export class CaNotFound extends CertificateError {}

export interface UserCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export class CertificateService {
  /** The first POST may create the CA; concurrent ones wait for that one creation. */
  private creating?: Promise<unknown>;

  constructor(
    private readonly store: CaStore,
    private readonly now: () => number,
    private readonly deploymentName: string,
  ) {}

  /** The root CA certificate, or CaNotFound when the deployment has none yet. */
  fetchCa(): string {
    if (!this.store.exists()) throw new CaNotFound('Root CA file not found: no CA has been created for this deployment');
    return this.store.caCertificatePem();
  }

  async generateX509Cert(userId: string, projectId: string): Promise<UserCertificate> {
    // Under the pki dir's lock: `novacell cert` or the API cell's first start may be at work on it too.
    const dir = this.store.paths.dir;
    if (!this.store.exists()) {
      await (this.creating ??= withPkiLock(dir, async () => {
        if (!this.store.exists()) await this.store.init(`${this.deploymentName} CA`);
      }).finally(() => (this.creating = undefined)));
    }
    const isotime = new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const cn = `${projectId.slice(0, 16)}-${userId.slice(0, 16)}-${isotime}`;
    const c = await withPkiLock(dir, () => this.store.issue(`user@${projectId}.${userId}`, { commonName: cn, subjectPrefix: NOVA_SUBJECT, usage: 'client', keyType: 'rsa' }, { save: false }));
    return { certificatePem: c.certificatePem, privateKeyPem: c.privateKeyPem };
  }
}
