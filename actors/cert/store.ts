/**
 * A deployment's CA on disk (its "pki" directory, 0700):
 *   ca.key       the CA's private key (0600) — only where certificates are issued
 *   ca.crt       the CA certificate, which every broker and client trusts
 *   crl.pem      the revocation list brokers check (rewritten on every revocation)
 *   issued.json  every certificate issued: name, serial, subject, validity, revocation (0600)
 *   <name>.crt / <name>.key   the newest certificate and key issued under each name (key 0600)
 * Names are principals' broker usernames (`cell@api!eu`, `link@api!eu`, `compute@fra1-001`) or `api`.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CertificateAuthority, CertificateError, type IssueRequest, type IssuedCertificate, type Revocation } from './authority.ts';

const issuedRecordSchema = z.object({
  name: z.string(),
  serial: z.string(),
  subject: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  revokedAt: z.string().nullable(),
});
export type IssuedRecord = z.infer<typeof issuedRecordSchema>;

/** A name fit for a file name: what topology cell and host names can contain, plus `@`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9@!._-]{0,127}$/;

export function checkCertName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) throw new CertificateError(`"${name}" cannot name a certificate (letters, digits, @ ! . _ -)`);
  return name;
}

export interface CaPaths {
  dir: string;
  caCert: string;
  caKey: string;
  crl: string;
  index: string;
}

export function caPaths(dir: string): CaPaths {
  return { dir, caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), crl: join(dir, 'crl.pem'), index: join(dir, 'issued.json') };
}

/** Where the certificate and key issued under `name` live. */
export function certFiles(dir: string, name: string): { cert: string; key: string } {
  checkCertName(name);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** Write atomically; `secret` files are 0600 from the first byte. */
function writeFile(file: string, text: string, secret: boolean): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: secret ? 0o600 : 0o644 });
  renameSync(tmp, file);
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CaStore {
  readonly paths: CaPaths;
  private authority?: CertificateAuthority;

  constructor(dir: string, private readonly now: () => number) {
    this.paths = caPaths(dir);
  }

  exists(): boolean {
    return existsSync(this.paths.caCert);
  }

  /** Create the CA; refuses to replace one (every certificate it issued would stop working). */
  async init(name: string, days?: number): Promise<CertificateAuthority> {
    if (this.exists()) throw new CertificateError(`a CA already exists in ${this.paths.dir} (ca.crt); remove the directory to start over`);
    mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.paths.dir, 0o700);
    const { authority, privateKeyPem } = await CertificateAuthority.create({ name, now: this.now(), days });
    writeFile(this.paths.caKey, privateKeyPem, true);
    writeFile(this.paths.caCert, authority.certificatePem, false);
    writeFile(this.paths.index, '[]\n', true);
    this.authority = authority;
    await this.writeCrl();
    return authority;
  }

  /** The CA certificate (PEM): all a broker or client needs to trust. */
  caCertificatePem(): string {
    if (!this.exists()) throw new CertificateError(`no CA in ${this.paths.dir}: create it with \`novacell cert init\``);
    return readFileSync(this.paths.caCert, 'utf8');
  }

  async open(): Promise<CertificateAuthority> {
    if (this.authority) return this.authority;
    const cert = this.caCertificatePem();
    if (!existsSync(this.paths.caKey)) throw new CertificateError(`${this.paths.caKey} is missing: certificates are issued where the CA key is`);
    if ((statSync(this.paths.caKey).mode & 0o077) !== 0) chmodSync(this.paths.caKey, 0o600);
    this.authority = await CertificateAuthority.load(cert, readFileSync(this.paths.caKey, 'utf8'));
    return this.authority;
  }

  records(): IssuedRecord[] {
    if (!existsSync(this.paths.index)) return [];
    return z.array(issuedRecordSchema).parse(JSON.parse(readFileSync(this.paths.index, 'utf8')));
  }

  /** The newest unrevoked certificate issued under `name`, if any. */
  current(name: string): IssuedRecord | undefined {
    return this.records().filter((r) => r.name === name && r.revokedAt === null).at(-1);
  }

  /**
   * Issue a certificate under `name` and write it (and its key, 0600) as `<name>.crt`/`<name>.key`.
   * With `save: false` (a user's certificate from os-certificates) only the record is kept.
   */
  async issue(name: string, req: IssueRequest, o: { save?: boolean } = {}): Promise<IssuedCertificate> {
    // Only a saved certificate's name becomes a file name.
    const files = o.save === false ? undefined : certFiles(this.paths.dir, name);
    const ca = await this.open();
    const cert = await ca.issue(req, this.now());
    if (files) {
      writeFile(files.key, cert.privateKeyPem, true);
      writeFile(files.cert, cert.certificatePem, false);
    }
    const records = this.records();
    records.push({ name, serial: cert.serial, subject: cert.subject, notBefore: iso(cert.notBefore), notAfter: iso(cert.notAfter), revokedAt: null });
    writeFile(this.paths.index, `${JSON.stringify(records, null, 1)}\n`, true);
    return cert;
  }

  /** Revoke by serial, or every unrevoked certificate of a name; rewrites the CRL. Returns the serials revoked. */
  async revoke(nameOrSerial: string): Promise<string[]> {
    const records = this.records();
    const want = nameOrSerial.toLowerCase();
    const hit = records.filter((r) => r.revokedAt === null && (r.name === nameOrSerial || r.serial === want));
    if (hit.length === 0) throw new CertificateError(`no unrevoked certificate named or numbered "${nameOrSerial}"`);
    const at = iso(this.now());
    for (const r of hit) r.revokedAt = at;
    writeFile(this.paths.index, `${JSON.stringify(records, null, 1)}\n`, true);
    await this.writeCrl(records);
    return hit.map((r) => r.serial);
  }

  /** Rotation: a new certificate under `name`, then the old ones revoked. */
  async rotate(name: string, req: IssueRequest): Promise<{ issued: IssuedCertificate; revoked: string[] }> {
    const old = this.records().filter((r) => r.name === name && r.revokedAt === null).map((r) => r.serial);
    const issued = await this.issue(name, req);
    for (const s of old) await this.revoke(s);
    return { issued, revoked: old };
  }

  async writeCrl(records = this.records()): Promise<void> {
    const ca = await this.open();
    const revoked: Revocation[] = records.filter((r) => r.revokedAt !== null).map((r) => ({ serial: r.serial, revokedAt: Date.parse(r.revokedAt!) }));
    writeFile(this.paths.crl, await ca.crl(revoked, this.now()), false);
  }
}
