/**
 * os-certificates as Nova served it with nova-cert: POST makes an RSA 2048 certificate for the caller
 * (subject `.../OU=NovaDev/CN=<project>-<user>-<time>`) signed by the deployment CA, with its private
 * key, which is not kept; GET root shows the CA (no key); other ids are 501; no token is 401.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
let dir: string;
const URL = '/compute/v2.1/os-certificates';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-oscert-'));
  fx = await apiFixture({ dataDir: dir });
});
afterEach(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('os-certificates', () => {
  it('has no root certificate before a CA exists (404)', async () => {
    const r = await fx.call('GET', `${URL}/root`);
    expect(r.statusCode).toBe(404);
    expect(r.json().itemNotFound.message).toMatch(/Root CA/);
  });

  it("creates the caller's certificate, signed by the CA that GET root shows", async () => {
    const made = await fx.call('POST', URL, { as: 'demo' });
    expect(made.statusCode).toBe(200);
    const { data, private_key } = made.json().certificate as { data: string; private_key: string };
    expect(private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const root = await fx.call('GET', `${URL}/root`, { as: 'alt' });
    expect(root.statusCode).toBe(200);
    expect(root.json().certificate.private_key).toBeNull();
    const ca = new X509Certificate(root.json().certificate.data as string);
    const cert = new X509Certificate(data);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const subject = cert.subject.split('\n');
    expect(subject.slice(0, 4)).toEqual(['C=US', 'ST=California', 'O=OpenStack', 'OU=NovaDev']);
    const time = new Date(fx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(subject[4]).toMatch(new RegExp(`^CN=${fx.project.demo.slice(0, 16)}-[^-]{1,16}-${time.replace(/[.:]/g, '\\$&')}$`));
    // The key goes to the caller only; the CA keeps a record (for revocation), not the key.
    const issued = readFileSync(join(dir, 'pki', 'issued.json'), 'utf8');
    expect(issued).toContain(cert.serialNumber.toLowerCase());
    expect(issued).not.toContain('PRIVATE KEY');
    expect(existsSync(join(dir, 'pki', `user@${fx.project.demo}.crt`))).toBe(false);
  });

  it('makes one CA when the first requests arrive together, and every certificate chains to it', async () => {
    const made = await Promise.all(Array.from({ length: 5 }, () => fx.call('POST', URL, { as: 'demo' })));
    expect(made.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const ca = new X509Certificate((await fx.call('GET', `${URL}/root`)).json().certificate.data as string);
    for (const r of made) expect(new X509Certificate(r.json().certificate.data as string).verify(ca.publicKey)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'pki', 'issued.json'), 'utf8'))).toHaveLength(5);
  });

  it('shows only the root certificate (501 for any other id)', async () => {
    await fx.call('POST', URL, { as: 'demo' });
    for (const id of ['1', 'ca', '__proto__', 'ROOT']) {
      const r = await fx.call('GET', `${URL}/${id}`);
      expect(r.statusCode, id).toBe(501);
      expect(r.json().notImplemented.message).toBe('Only root certificate can be retrieved.');
    }
  });

  it('answers 404, not 500, where the CA key is absent (a site given only ca.crt)', async () => {
    await fx.call('POST', URL, { as: 'demo' });
    rmSync(join(dir, 'pki', 'ca.key'));
    await fx.close();
    fx = await apiFixture({ dataDir: dir });
    const r = await fx.call('POST', URL, { as: 'demo' });
    expect(r.statusCode).toBe(404);
    expect(r.json().itemNotFound.message).toMatch(/ca\.key is missing/);
    expect((await fx.call('GET', `${URL}/root`)).statusCode).toBe(200);
  });

  it('needs a token', async () => {
    expect((await fx.call('POST', URL, { as: null })).statusCode).toBe(401);
    expect((await fx.call('GET', `${URL}/root`, { as: null })).statusCode).toBe(401);
  });
});
