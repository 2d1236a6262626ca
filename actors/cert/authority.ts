/**
 * nova-cert as an x509 certificate authority: one self-signed CA per deployment that signs
 * certificates for cells, compute hosts and the API (mutual TLS between cells and brokers) and for
 * users (Nova's os-certificates, once used to bundle EC2 images), and lists revoked ones in a CRL.
 * Pure except for key generation and signing: time comes in as milliseconds, storage is store.ts.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { webcrypto, x509 } from './x509.ts';

const DAY_MS = 86_400_000;
/** ECDSA P-256: fast to make and to check (a certificate per cell link, host and user). */
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** RSA 2048 as nova-cert made them (nova/crypto.py generate_x509_cert, bits=2048). */
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

export type CertUsage = 'client' | 'server' | 'client+server';
export type KeyType = 'ec' | 'rsa';

export interface IssueRequest {
  /** The subject's CN: for the bus, the principal's broker username (`cell@api!eu`, `compute@h1`). */
  commonName: string;
  /** Extra RDNs before the CN (nova-cert's `C=US, ST=California, O=OpenStack, OU=NovaDev`). */
  subjectPrefix?: string;
  usage: CertUsage;
  /** subjectAltName entries of a server certificate: host names and IP addresses. */
  altNames?: readonly string[];
  days?: number;
  keyType?: KeyType;
}

export interface IssuedCertificate {
  /** Hex, as openssl prints it. */
  serial: string;
  subject: string;
  certificatePem: string;
  privateKeyPem: string;
  notBefore: number;
  notAfter: number;
}

export interface Revocation {
  serial: string;
  /** ms since the epoch. */
  revokedAt: number;
}

export class CertificateError extends Error {}

/** RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random bytes with the top bit clear. */
function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

/** A DN attribute value with RFC 4514's special characters escaped (names come from topology files and user ids). */
export function dnValue(v: string): string {
  return v.replace(/[\\,+"<>;=#]/g, (c) => `\\${c}`).replace(/^ | $/g, (c) => `\\${c}`);
}

async function keyPair(type: KeyType): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(type === 'rsa' ? RSA : EC, true, ['sign', 'verify']);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

const EKU: Record<CertUsage, string[]> = {
  client: [x509.ExtendedKeyUsage.clientAuth],
  server: [x509.ExtendedKeyUsage.serverAuth],
  'client+server': [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

export class CertificateAuthority {
  private constructor(
    readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
  ) {}

  /** A new self-signed CA (`CN=<name>`), valid `days` from `now`. Returns it with its private key's PEM. */
  static async create(o: { name: string; now: number; days?: number }): Promise<{ authority: CertificateAuthority; privateKeyPem: string }> {
    const keys = await keyPair('ec');
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(),
      name: `CN=${dnValue(o.name)}`,
      notBefore: new Date(o.now - 60_000),
      notAfter: new Date(o.now + (o.days ?? 3650) * DAY_MS),
      keys,
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { authority: new CertificateAuthority(cert, keys.privateKey), privateKeyPem: await privateKeyPem(keys.privateKey) };
  }

  /** The CA from its certificate and private key (PEM); refuses a key that is not the certificate's. */
  static async load(certificatePem: string, keyPem: string): Promise<CertificateAuthority> {
    const cert = new x509.X509Certificate(certificatePem);
    const der = x509.PemConverter.decodeFirst(keyPem);
    const key = await webcrypto.subtle.importKey('pkcs8', der, EC, true, ['sign']);
    const probe = randomBytes(32);
    const signature = await webcrypto.subtle.sign(EC, key, probe);
    if (!(await webcrypto.subtle.verify(EC, await cert.publicKey.export(EC, ['verify'], webcrypto), signature, probe))) {
      throw new CertificateError('the CA private key does not match the CA certificate');
    }
    const ca = new CertificateAuthority(cert, key);
    return ca;
  }

  get certificatePem(): string {
    return this.certificate.toString('pem');
  }

  get subject(): string {
    return this.certificate.subject;
  }

  /** A new key pair and a certificate for it, signed by this CA. */
  async issue(r: IssueRequest, now: number): Promise<IssuedCertificate> {
    if (r.commonName.length === 0 || r.commonName.length > 64) throw new CertificateError('a common name is 1 to 64 characters (RFC 5280 ub-common-name)');
    const keys = await keyPair(r.keyType ?? 'ec');
    const serial = newSerial();
    const notBefore = now - 60_000;
    const notAfter = Math.min(now + (r.days ?? 365) * DAY_MS, this.certificate.notAfter.getTime());
    const subject = `${r.subjectPrefix ? `${r.subjectPrefix}, ` : ''}CN=${dnValue(r.commonName)}`;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (r.keyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      new x509.ExtendedKeyUsageExtension(EKU[r.usage]),
      await x509.AuthorityKeyIdentifierExtension.create(this.certificate, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ];
    if (r.altNames?.length) {
      extensions.push(new x509.SubjectAlternativeNameExtension(r.altNames.map((n): x509.JsonGeneralName => ({ type: isIP(n) ? 'ip' : 'dns', value: n }))));
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject,
      issuer: this.certificate.subject,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: EC,
      extensions,
    });
    return { serial, subject, certificatePem: cert.toString('pem'), privateKeyPem: await privateKeyPem(keys.privateKey), notBefore, notAfter };
  }

  /** A CRL listing `revoked`, valid until `now + days` (brokers that load it refuse those certificates). */
  async crl(revoked: readonly Revocation[], now: number, days = 365): Promise<string> {
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.certificate.subject,
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + days * DAY_MS),
      entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: new Date(r.revokedAt) })),
      signingKey: this.signingKey,
      signingAlgorithm: EC,
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(this.certificate, false)],
    });
    // OpenSSL (and so Node's TLS and Mosquitto) reads only the `X509 CRL` PEM label, not `CRL`.
    return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
  }
}
