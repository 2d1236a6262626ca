/** Version documents (no token), microversion negotiation, and the token check in front of the rest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => { fx = await apiFixture(); });
afterAll(async () => { await fx.close(); });

describe('compute version documents', () => {
  it('GET /compute/ lists v2.0 first, then v2.1 with its microversion window, without a token', async () => {
    const res = await fx.call('GET', '/compute/', { as: null });
    expect(res.statusCode).toBe(200);
    const { versions } = res.json() as { versions: Array<Record<string, unknown>> };
    expect(versions.map((v) => v['id'])).toEqual(['v2.0', 'v2.1']);
    expect(versions[1]).toMatchObject({ version: '2.96', min_version: '2.1', status: 'CURRENT' });
  });

  it('each self link leads to a document with the same self link', async () => {
    const { versions } = (await fx.call('GET', '/compute', { as: null })).json() as { versions: Array<{ links: Array<{ rel: string; href: string }> }> };
    for (const v of versions) {
      const self = v.links.find((l) => l.rel === 'self')!.href;
      const doc = (await fx.call('GET', new URL(self).pathname, { as: null })).json() as { version: { links: Array<{ rel: string; href: string }> } };
      expect(doc.version.links.filter((l) => l.rel === 'self')).toEqual([{ rel: 'self', href: self }]);
    }
  });

  it('image and placement roots answer without a token', async () => {
    expect((await fx.call('GET', '/image', { as: null })).statusCode).toBe(300);
    const p = await fx.call('GET', '/placement', { as: null });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ versions: [{ id: 'v1.0', min_version: '1.0' }] });
  });
});

describe('microversions', () => {
  it('no header means 2.1; the answer echoes the version in both headers', async () => {
    const res = await fx.call('GET', '/compute/v2.1/flavors');
    expect(res.headers['openstack-api-version']).toBe('compute 2.1');
    expect(res.headers['x-openstack-nova-api-version']).toBe('2.1');
    expect(res.headers['vary']).toContain('OpenStack-API-Version');
  });

  it('latest is the maximum; 2.92 (the CLI) is accepted; above the maximum is 406, garbage 400', async () => {
    expect((await fx.call('GET', '/compute/v2.1/flavors', { version: 'latest' })).headers['openstack-api-version']).toBe('compute 2.96');
    expect((await fx.call('GET', '/compute/v2.1/flavors', { version: '2.92' })).statusCode).toBe(200);
    expect((await fx.call('GET', '/compute/v2.1/flavors', { version: '2.200' })).statusCode).toBe(406);
    const bad = await fx.call('GET', '/compute/v2.1/flavors', { version: '2.x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toHaveProperty('badRequest');
  });

  it('the legacy /compute/v2 ignores microversion headers', async () => {
    const res = await fx.call('GET', '/compute/v2/flavors/detail', { version: '2.61' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { flavors: Array<Record<string, unknown>> }).flavors[0]).not.toHaveProperty('extra_specs');
  });
});

describe('authentication', () => {
  it('refuses a missing or bad token with keystonemiddleware 401, request ids included', async () => {
    for (const headers of [{}, { 'x-auth-token': 'not-a-token' }, { 'x-auth-token': `${fx.token.demo}x` }] as Array<Record<string, string>>) {
      const res = await fx.call('GET', '/compute/v2.1/servers', { as: null, headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Keystone uri=/);
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
      expect(res.headers['x-compute-request-id']).toBe(res.headers['x-openstack-request-id']);
    }
  });

  it('refuses an expired token', async () => {
    const f = await apiFixture();
    try {
      await f.clock.advance(3601 * 1000);
      expect((await f.call('GET', '/compute/v2.1/flavors')).statusCode).toBe(401);
      expect((await f.call('GET', '/image/v2/images')).statusCode).toBe(401);
    } finally {
      await f.close();
    }
  });
});
