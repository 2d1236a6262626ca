/** Keypair material: generated keys check out with their own fingerprints; broken public keys are refused. */
import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateSerial, NodeKeyGenerator, sshPublicKeyFingerprint, x509PublicKeyFingerprint } from '../../../../../actors/api/compute/keygen.ts';

describe('keygen', () => {
  it('generates an RSA key whose OpenSSH public half has the MD5 fingerprint Nova computes', async () => {
    const k = await new NodeKeyGenerator(1024).generate('ssh', 'u', Date.UTC(2026, 0, 1));
    expect(k.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(k.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E/);
    const blob = Buffer.from(k.publicKey.split(' ')[1]!, 'base64');
    expect(k.fingerprint).toBe(createHash('md5').update(blob).digest('hex').match(/../g)!.join(':'));
    expect(sshPublicKeyFingerprint(k.publicKey)).toBe(k.fingerprint);
  });

  it('generates a self-signed x509 certificate valid from now', async () => {
    const k = await new NodeKeyGenerator(1024).generate('x509', 'demo-user', Date.UTC(2026, 0, 1));
    const cert = new X509Certificate(k.publicKey);
    expect(cert.subject).toBe('CN=demo-user');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(x509PublicKeyFingerprint(k.publicKey)).toBe(k.fingerprint);
  });

  it('gives every certificate a positive, minimal DER serial (a digest starting 0x00 or 0x80 once made OpenSSL refuse it)', () => {
    let leadingZero = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `key ${i}`;
      if ((createHash('sha256').update(key).digest()[0]! & 0x7f) === 0) leadingZero++;
      const serial = certificateSerial(key);
      expect(serial).toHaveLength(8);
      expect(serial[0]! >= 0x40 && serial[0]! <= 0x7f, `serial of ${key}`).toBe(true);
    }
    expect(leadingZero).toBeGreaterThan(0);
  });

  it.each([
    ['garbage', 'ssh-rsa JUNK nova@ubuntu'],
    ['all A', `ssh-rsa ${'A'.repeat(2048)} openstack@ubuntu`],
    ['a type mismatch', `ssh-dss ${Buffer.from('\u0000\u0000\u0000\u0007ssh-rsa').toString('base64')}`],
    ['one word', 'ssh-rsa'],
  ])('refuses %s', (_what, key) => {
    expect(() => sshPublicKeyFingerprint(key)).toThrow(/Keypair data is invalid/);
  });
});
