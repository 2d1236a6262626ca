/** Keystone v3 over HTTP: discovery, token issue / validate / revoke / expiry, and its error bodies. */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { identityFixture, IDS, PASSWORDS, type IdentityFixture } from '../../../../support/identity-server.ts';

const START = Date.UTC(2026, 10, 26, 4, 0, 0);

let fx: IdentityFixture;
let clock: VirtualClock;

async function setup(): Promise<IdentityFixture> {
  clock = new VirtualClock(START);
  fx = await identityFixture({ clock });
  return fx;
}

afterEach(async () => {
  await fx?.app.close();
});

function passwordAuth(name: string, password: string, scope?: unknown): Record<string, unknown> {
  const auth: Record<string, unknown> = {
    identity: { methods: ['password'], password: { user: { name, domain: { name: 'Default' }, password } } },
  };
  if (scope !== undefined) auth['scope'] = scope;
  return { auth };
}

const ADMIN_SCOPE = { project: { name: 'admin', domain: { name: 'Default' } } };

async function issue(body: unknown, url = '/identity/v3/auth/tokens') {
  return fx.app.inject({ method: 'POST', url, payload: body as object });
}

async function adminToken(): Promise<string> {
  const res = await issue(passwordAuth('admin', PASSWORDS.admin, ADMIN_SCOPE));
  expect(res.statusCode).toBe(201);
  return res.headers['x-subject-token'] as string;
}

describe('discovery', () => {
  it('GET /identity is 300 with the v3 version and a Location', async () => {
    const res = await (await setup()).app.inject({ url: '/identity', headers: { host: 'cloud.example:8774' } });
    expect(res.statusCode).toBe(300);
    expect(res.headers['location']).toBe('http://cloud.example:8774/identity/v3/');
    expect(res.json()).toEqual({
      versions: {
        values: [{
          id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z',
          links: [{ rel: 'self', href: 'http://cloud.example:8774/identity/v3/' }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
        }],
      },
    });
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
  });

  it('GET /identity/v3 (and with a trailing slash) is 200 with the version, no token needed', async () => {
    await setup();
    for (const url of ['/identity/v3', '/identity/v3/', '/identity/']) {
      const res = await fx.app.inject({ url, headers: { host: 'h:1' } });
      expect(res.statusCode, url).toBe(url === '/identity/' ? 300 : 200);
    }
    const v3 = await fx.app.inject({ url: '/identity/v3', headers: { host: 'h:1' } });
    expect((v3.json() as { version: { id: string; links: unknown } }).version.links).toEqual([{ rel: 'self', href: 'http://h:1/identity/v3/' }]);
  });
});

describe('POST /v3/auth/tokens', () => {
  it('issues a project-scoped token: 201, X-Subject-Token and Keystone\'s body', async () => {
    await setup();
    const res = await issue(passwordAuth('admin', PASSWORDS.admin, ADMIN_SCOPE));
    expect(res.statusCode).toBe(201);
    const id = res.headers['x-subject-token'] as string;
    expect(id.length).toBeGreaterThan(40);
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    const { token } = res.json() as { token: Record<string, any> };
    expect(token['methods']).toEqual(['password']);
    expect(token['user']).toEqual({ domain: { id: 'default', name: 'Default' }, id: IDS.adminUser, name: 'admin', password_expires_at: null });
    expect(token['project']).toEqual({ domain: { id: 'default', name: 'Default' }, id: IDS.adminProject, name: 'admin' });
    expect(token['is_domain']).toBe(false);
    expect(token['roles'].map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    expect(token['roles'][0].id).toMatch(/^[0-9a-f]{32}$/);
    expect(token['issued_at']).toBe('2026-11-26T04:00:00.000000Z');
    expect(token['expires_at']).toBe('2026-11-26T05:00:00.000000Z');
    expect(token['audit_ids']).toHaveLength(1);
    expect(token['audit_ids'][0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(id).not.toContain(PASSWORDS.admin);
  });

  it('puts a catalog whose endpoints carry region and region_id', async () => {
    await setup();
    const { token } = (await issue(passwordAuth('admin', PASSWORDS.admin, ADMIN_SCOPE))).json() as { token: Record<string, any> };
    const byType = Object.fromEntries(token['catalog'].map((s: { type: string }) => [s.type, s]));
    expect(Object.keys(byType).sort()).toEqual(['compute', 'ec2', 'identity', 'image', 'placement']);
    expect(byType['compute'].name).toBe('nova');
    expect(byType['compute'].id).toMatch(/^[0-9a-f]{32}$/);
    expect(byType['compute'].endpoints).toEqual([{
      id: expect.stringMatching(/^[0-9a-f]{32}$/), interface: 'public', region_id: 'RegionOne', region: 'RegionOne',
      url: 'http://cloud.example:8774/compute/v2.1',
    }]);
    expect(byType['image'].endpoints[0].url).toBe('http://cloud.example:8774/image');
    expect(byType['identity'].endpoints[0].url).toBe('http://cloud.example:8774/identity');
    expect(byType['placement'].endpoints[0].url).toBe('http://cloud.example:8774/placement');
  });

  it('scopes by project id, by user id, and leaves out the catalog with ?nocatalog', async () => {
    await setup();
    const res = await issue({
      auth: {
        identity: { methods: ['password'], password: { user: { id: IDS.demoUser, password: PASSWORDS.demo } } },
        scope: { project: { id: IDS.demoProject } },
      },
    }, '/identity/v3/auth/tokens?nocatalog');
    expect(res.statusCode).toBe(201);
    const { token } = res.json() as { token: Record<string, any> };
    expect(token['project'].id).toBe(IDS.demoProject);
    expect(token['catalog']).toBeUndefined();
  });

  it('answers a wrong password with Keystone\'s 401, saying nothing about why', async () => {
    await setup();
    const res = await issue(passwordAuth('admin', 'not-the-password', ADMIN_SCOPE));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    expect(res.headers['www-authenticate']).toMatch(/^Keystone uri="http:\/\/.*\/identity\/v3"$/);
    expect(res.headers['x-subject-token']).toBeUndefined();
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
  });

  it('gives the same 401 for an unknown user, an unknown domain and a project without a role', async () => {
    await setup();
    const bodies = [
      passwordAuth('nobody', 'x', ADMIN_SCOPE),
      { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Elsewhere' }, password: PASSWORDS.admin } } } } },
      passwordAuth('demo', PASSWORDS.demo, ADMIN_SCOPE),
      passwordAuth('demo', PASSWORDS.demo, { project: { id: 'no-such-project' } }),
      passwordAuth('demo', PASSWORDS.demo, { system: { all: true } }),
    ];
    for (const b of bodies) {
      const res = await issue(b);
      expect(res.statusCode, JSON.stringify(b)).toBe(401);
      expect((res.json() as { error: { message: string } }).error.message).toBe('The request you have made requires authentication.');
    }
  });

  it('issues an unscoped token when no scope is asked and the user has no default project', async () => {
    await setup();
    const res = await issue(passwordAuth('admin', PASSWORDS.admin));
    expect(res.statusCode).toBe(201);
    const { token } = res.json() as { token: Record<string, unknown> };
    expect(Object.keys(token).sort()).toEqual(['audit_ids', 'expires_at', 'issued_at', 'methods', 'user']);
  });

  it('scopes to the default project when no scope is asked, unless "unscoped" is asked', async () => {
    await setup();
    const scoped = (await issue(passwordAuth('demo', PASSWORDS.demo))).json() as { token: Record<string, any> };
    expect(scoped.token['project'].id).toBe(IDS.demoProject);
    const unscoped = (await issue(passwordAuth('demo', PASSWORDS.demo, 'unscoped'))).json() as { token: Record<string, any> };
    expect(unscoped.token['project']).toBeUndefined();
    expect(unscoped.token['catalog']).toBeUndefined();
  });

  it('issues a domain-scoped token to a user with a role on the domain, else 401', async () => {
    await setup();
    const res = await issue(passwordAuth('admin', PASSWORDS.admin, { domain: { name: 'Default' } }));
    expect(res.statusCode).toBe(201);
    const { token } = res.json() as { token: Record<string, any> };
    expect(token['domain']).toEqual({ id: 'default', name: 'Default' });
    expect(token['project']).toBeUndefined();
    expect(token['roles'].map((r: { name: string }) => r.name)).toEqual(['admin']);
    expect(token['catalog'].length).toBe(5);
    expect((await issue(passwordAuth('demo', PASSWORDS.demo, { domain: { id: 'default' } }))).statusCode).toBe(401);
  });

  it('re-scopes with the token method, keeping the expiry and chaining the audit id', async () => {
    await setup();
    const first = await issue(passwordAuth('admin', PASSWORDS.admin));
    const firstId = first.headers['x-subject-token'] as string;
    await clock.advance(600_000);
    const res = await issue({ auth: { identity: { methods: ['token'], token: { id: firstId } }, scope: ADMIN_SCOPE } });
    expect(res.statusCode).toBe(201);
    const a = (first.json() as { token: Record<string, any> }).token;
    const b = (res.json() as { token: Record<string, any> }).token;
    expect(b['expires_at']).toBe(a['expires_at']);
    expect(b['issued_at']).toBe('2026-11-26T04:10:00.000000Z');
    expect(b['audit_ids']).toEqual([expect.any(String), a['audit_ids'][0]]);
    expect(b['methods']).toEqual(['token', 'password']);
    expect(b['project'].name).toBe('admin');
  });

  it('answers a malformed request with Keystone\'s 400', async () => {
    await setup();
    const missingDomain = await issue({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x' } } } } });
    expect(missingDomain.statusCode).toBe(400);
    expect(missingDomain.json()).toEqual({ error: { code: 400, title: 'Bad Request', message: expect.stringMatching(/^Expecting to find domain in user\./) } });
    const noIdentity = await issue({ auth: {} });
    expect(noIdentity.statusCode).toBe(400);
    expect((noIdentity.json() as { error: { message: string } }).error.message).toMatch(/auth\.identity/);
    const badJson = await fx.app.inject({ method: 'POST', url: '/identity/v3/auth/tokens', payload: '{"auth":', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ error: { code: 400, title: 'Bad Request', message: 'Malformed request body' } });
  });

  it('refuses an unsupported method with 401', async () => {
    await setup();
    const res = await issue({ auth: { identity: { methods: ['totp'], totp: {} } } });
    expect(res.statusCode).toBe(401);
    expect((res.json() as { error: { message: string } }).error.message).toBe('Attempted to authenticate with an unsupported method.');
  });
});

describe('GET, HEAD and DELETE /v3/auth/tokens', () => {
  it('GET returns exactly the body that was issued, with X-Subject-Token', async () => {
    await setup();
    const issued = await issue(passwordAuth('admin', PASSWORDS.admin, ADMIN_SCOPE));
    const id = issued.headers['x-subject-token'] as string;
    await clock.advance(60_000);
    const res = await fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': id, 'x-subject-token': id } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-subject-token']).toBe(id);
    expect(res.json()).toEqual(issued.json());
    expect(res.body).toBe(issued.body);
  });

  it('HEAD answers 200 without a body', async () => {
    await setup();
    const id = await adminToken();
    const res = await fx.app.inject({ method: 'HEAD', url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': id, 'x-subject-token': id } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('lets a user validate their own token, an admin anyone\'s, and forbids the rest', async () => {
    await setup();
    const admin = await adminToken();
    const demo = (await issue(passwordAuth('demo', PASSWORDS.demo))).headers['x-subject-token'] as string;
    const check = (auth: string, subject: string) =>
      fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': auth, 'x-subject-token': subject } });
    expect((await check(demo, demo)).statusCode).toBe(200);
    expect((await check(admin, demo)).statusCode).toBe(200);
    const forbidden = await check(demo, admin);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: { code: 403, title: 'Forbidden', message: 'You are not authorized to perform the requested action.' } });
  });

  it('needs a valid X-Auth-Token (401) and a valid subject (404)', async () => {
    await setup();
    const admin = await adminToken();
    const noAuth = await fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-subject-token': admin } });
    expect(noAuth.statusCode).toBe(401);
    const bogus = await fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': 'bogus' } });
    expect(bogus.statusCode).toBe(404);
    expect(bogus.json()).toEqual({ error: { code: 404, title: 'Not Found', message: 'Could not find token: bogus.' } });
  });

  it('refuses a token whose payload was altered (the signature no longer matches)', async () => {
    await setup();
    const demo = (await issue(passwordAuth('demo', PASSWORDS.demo))).headers['x-subject-token'] as string;
    const [body, sig] = demo.split('.');
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('"member"', '"admin"')).toString('base64url');
    const res = await fx.app.inject({ url: '/identity/v3/auth/projects', headers: { 'x-auth-token': `${forged}.${sig}` } });
    expect(res.statusCode).toBe(401);
    await expect(fx.service.validateToken(`${forged}.${sig}`)).rejects.toThrow(/requires authentication/);
  });

  it('DELETE revokes: 204, then validation is 404 and the token no longer authenticates', async () => {
    await setup();
    const admin = await adminToken();
    const demo = (await issue(passwordAuth('demo', PASSWORDS.demo))).headers['x-subject-token'] as string;
    const del = await fx.app.inject({ method: 'DELETE', url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    const again = await fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(again.statusCode).toBe(404);
    await expect(fx.service.validateToken(demo)).rejects.toMatchObject({ status: 401 });
    expect((await fx.service.validateToken(admin)).userId).toBe(IDS.adminUser);
  });

  it('expires tokens after [token] expiration (3600 s) of the injected clock', async () => {
    await setup();
    const admin = await adminToken();
    const demo = (await issue(passwordAuth('demo', PASSWORDS.demo))).headers['x-subject-token'] as string;
    await clock.advance(3_599_000);
    expect((await fx.service.validateToken(demo)).projectId).toBe(IDS.demoProject);
    await clock.advance(1_000);
    const res = await fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': demo } });
    expect(res.statusCode).toBe(401);
    const fresh = await adminToken();
    const expired = await fx.app.inject({ url: '/identity/v3/auth/tokens', headers: { 'x-auth-token': fresh, 'x-subject-token': demo } });
    expect(expired.statusCode).toBe(404);
    await expect(fx.service.validateToken(demo)).rejects.toMatchObject({ status: 401 });
  });
});

describe('faults under /identity', () => {
  it('answers an unknown path with Keystone\'s 404 body and a request id', async () => {
    const res = await (await setup()).app.inject({ url: '/identity/v3/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect((res.json() as { error: { code: number; title: string } }).error).toMatchObject({ code: 404, title: 'Not Found' });
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await (await setup()).app.inject({ method: 'PUT', url: '/identity/v3/auth/tokens' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('DELETE, GET, HEAD, POST');
    expect(res.json()).toEqual({ error: { code: 405, title: 'Method Not Allowed', message: 'The method is not allowed for the requested URL.' } });
  });

  it('leaves Nova faults outside /identity', async () => {
    const res = await (await setup()).app.inject({ url: '/compute/v2.1/servers' });
    expect(res.json()).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });
});
