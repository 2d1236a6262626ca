/**
 * The deployment CA: certificates chain to it (checked by Node's own X509 code, not the library that
 * made them), carry the principal as CN and the right usages, keys are private on disk, revocation
 * reaches the CRL, rotation revokes the old certificate, and a CA is never silently replaced.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaStore, CertificateAuthority, CertificateError, checkCertName, dnValue, revokedSerials } from '../../../../actors/cert/index.ts';

const NOW = Date.UTC(2026, 11, 5, 6, 0, 0);
const dirs: string[] = [];
function pki(): string {
  const d = mkdtempSync(join(tmpdir(), 'novacell-pki-'));
  dirs.push(d);
  return join(d, 'pki');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('CertificateAuthority', () => {
  it('issues a certificate that chains to the CA, names the principal and is valid from now', async () => {
    const { authority } = await CertificateAuthority.create({ name: 'eu CA', now: NOW });
    const c = await authority.issue({ commonName: 'link@api!eu', usage: 'client' }, NOW);
    const ca = new X509Certificate(authority.certificatePem);
    const leaf = new X509Certificate(c.certificatePem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.subject).toBe('CN=link@api!eu');
    expect(leaf.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(c.serial.replace(/^0+/, '')); // leading zeros vary by encoder
    expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(NOW);
    expect(Date.parse(leaf.validTo)).toBe(Math.floor((NOW + 365 * 86_400_000) / 1000) * 1000);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('gives a broker certificate both usages and its address as subjectAltName', async () => {
    const { authority } = await CertificateAuthority.create({ name: 'CA', now: NOW });
    const c = await authority.issue({ commonName: 'cell@api', usage: 'client+server', altNames: ['127.0.0.1', 'localhost'] }, NOW);
    const leaf = new X509Certificate(c.certificatePem);
    expect(leaf.keyUsage.sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('10.0.0.1')).toBeUndefined();
  });

  it('does not let a certificate outlive the CA, and escapes DN specials in names', async () => {
    const { authority } = await CertificateAuthority.create({ name: 'short CA', now: NOW, days: 10 });
    const c = await authority.issue({ commonName: 'a,b=c+d', usage: 'client', days: 365 }, NOW);
    const leaf = new X509Certificate(c.certificatePem);
    expect(Date.parse(leaf.validTo)).toBeLessThanOrEqual(Date.parse(new X509Certificate(authority.certificatePem).validTo));
    expect(dnValue('a,b=c+d')).toBe('a\\,b\\=c\\+d');
    // One CN holding the whole name (Node prints `=` unescaped), not extra attributes smuggled in.
    expect(leaf.subject).toBe('CN=a\\,b=c\\+d');
  });

  it('refuses a CA key that is not the CA certificate\'s', async () => {
    const one = await CertificateAuthority.create({ name: 'one', now: NOW });
    const two = await CertificateAuthority.create({ name: 'two', now: NOW });
    await expect(CertificateAuthority.load(one.authority.certificatePem, two.privateKeyPem)).rejects.toThrow(CertificateError);
    const again = await CertificateAuthority.load(one.authority.certificatePem, one.privateKeyPem);
    const c = await again.issue({ commonName: 'x', usage: 'client' }, NOW);
    expect(new X509Certificate(c.certificatePem).verify(new X509Certificate(one.authority.certificatePem).publicKey)).toBe(true);
  });

  it('makes RSA 2048 keys when asked (nova-cert\'s user certificates)', async () => {
    const { authority } = await CertificateAuthority.create({ name: 'CA', now: NOW });
    const c = await authority.issue({ commonName: 'u-p', usage: 'client', keyType: 'rsa' }, NOW);
    const leaf = new X509Certificate(c.certificatePem);
    expect(leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('CaStore', () => {
  it('keeps the CA key and every issued key 0600 in a 0700 directory', async () => {
    const dir = pki();
    const store = new CaStore(dir, () => NOW);
    await store.init('test CA');
    await store.issue('compute@h1', { commonName: 'compute@h1', usage: 'client' });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ['ca.key', 'compute@h1.key', 'issued.json']) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    expect(new X509Certificate(readFileSync(join(dir, 'compute@h1.crt'))).subject).toBe('CN=compute@h1');
  });

  it('refuses to replace an existing CA', async () => {
    const dir = pki();
    await new CaStore(dir, () => NOW).init('first');
    await expect(new CaStore(dir, () => NOW).init('second')).rejects.toThrow(/already exists/);
  });

  it('lists revoked serials in the CRL, and rotation revokes the old certificate', async () => {
    const dir = pki();
    const store = new CaStore(dir, () => NOW);
    await store.init('CA');
    const a = await store.issue('compute@h1', { commonName: 'compute@h1', usage: 'client' });
    const b = await store.issue('compute@h2', { commonName: 'compute@h2', usage: 'client' });
    expect(revokedSerials(readFileSync(store.paths.crl, 'utf8')).size).toBe(0);
    await store.revoke('compute@h1');
    const crl = readFileSync(store.paths.crl, 'utf8');
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(revokedSerials(crl)).toEqual(new Set([a.serial.replace(/^0+/, '')]));
    const { issued, revoked } = await store.rotate('compute@h2', { commonName: 'compute@h2', usage: 'client' });
    expect(revoked).toEqual([b.serial]);
    expect(store.current('compute@h2')?.serial).toBe(issued.serial);
    expect(revokedSerials(readFileSync(store.paths.crl, 'utf8')).has(b.serial.replace(/^0+/, ''))).toBe(true);
    await expect(store.revoke('compute@h1')).rejects.toThrow(/no unrevoked certificate/);
  });

  it('refuses names that could leave the directory', () => {
    for (const n of ['../x', 'a/b', '', '.hidden', 'a\u0000b']) expect(() => checkCertName(n), n).toThrow(CertificateError);
    expect(checkCertName('link@api!eu!fra1')).toBe('link@api!eu!fra1');
  });
});
