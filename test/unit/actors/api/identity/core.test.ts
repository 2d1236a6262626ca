/** Identity building blocks: password hashes, the token provider, the directory, requireToken(). */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { createHttpServer, type HttpServer } from '../../../../../runtime/http/index.ts';
import { createLogger } from '../../../../../runtime/log/index.ts';
import {
  authOf, devstackCatalog, hashPassword, IdentityDirectory, InMemoryTokenRevocations, isPasswordHash, keystoneTime,
  renderCatalog, requireToken, TokenProvider, verifyPassword, type AuthContext, type Authenticator,
} from '../../../../../actors/api/identity/index.ts';
import { KeystoneUnauthorized } from '../../../../../actors/api/identity/index.ts';

describe('passwords', () => {
  it('hashes with a fresh salt each time and verifies only the right password', async () => {
    const a = await hashPassword('s3cret', 10);
    const b = await hashPassword('s3cret', 10);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret');
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(isPasswordHash(a)).toBe(true);
    expect(await verifyPassword('s3cret', a)).toBe(true);
    expect(await verifyPassword('s3cret', b)).toBe(true);
    expect(await verifyPassword('S3cret', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('never matches a malformed or clear-text "hash"', async () => {
    expect(await verifyPassword('s3cret', 's3cret')).toBe(false);
    expect(await verifyPassword('x', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA')).toBe(false);
    expect(isPasswordHash('plain')).toBe(false);
  });
});

describe('TokenProvider', () => {
  function provider(clock: VirtualClock, secret = 'a-signing-secret-of-length') {
    return new TokenProvider({ secret, clock, rng: new SeededRng('tp').stream('audit'), revocations: new InMemoryTokenRevocations() });
  }
  const claims = { userId: 'u1', methods: ['password'], scope: { project: 'p1' }, roles: ['member'] };

  it('round-trips its claims and stamps issue and expiry from the clock', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 10, 26, 4));
    const t = provider(clock).issue(claims);
    const p = await provider(clock).validate(t.id);
    expect(p).toEqual({ ...claims, issuedAt: clock.now(), expiresAt: clock.now() + 3_600_000, auditIds: t.payload.auditIds });
  });

  it('refuses tokens signed with another secret, garbage, and expired tokens', async () => {
    const clock = new VirtualClock();
    const t = provider(clock).issue(claims);
    await expect(provider(clock, 'another-secret-entirely').validate(t.id)).rejects.toMatchObject({ reason: 'signature' });
    await expect(provider(clock).validate('garbage')).rejects.toMatchObject({ reason: 'malformed' });
    await expect(provider(clock).validate(`${t.id}x`)).rejects.toMatchObject({ reason: 'signature' });
    await clock.advance(3_600_000);
    await expect(provider(clock).validate(t.id)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses revoked tokens and forgets revocations once they would have expired', async () => {
    const clock = new VirtualClock();
    const revocations = new InMemoryTokenRevocations();
    const tp = new TokenProvider({ secret: 'a-signing-secret-of-length', clock, rng: new SeededRng('r').stream('a'), revocations });
    const t = tp.issue(claims);
    await tp.revoke(t.payload);
    await expect(tp.validate(t.id)).rejects.toMatchObject({ reason: 'revoked' });
    await clock.advance(3_600_001);
    await tp.revoke(tp.issue(claims).payload);
    expect(revocations.size).toBe(1);
  });

  it('refuses a short secret', () => {
    expect(() => provider(new VirtualClock(), 'short')).toThrow(/at least 16/);
  });

  it('formats times as Keystone does', () => {
    expect(keystoneTime(Date.UTC(2026, 10, 26, 5, 0, 0, 123))).toBe('2026-11-26T05:00:00.123000Z');
  });
});

describe('IdentityDirectory', () => {
  const base = { projects: [{ id: 'p', name: 'p', domainId: 'default' }] };

  it('defaults to the Default domain and derives stable role ids', () => {
    const d = new IdentityDirectory({ ...base, users: [{ id: 'u', name: 'u', domainId: 'default', passwordHash: 'x', projectId: 'p', roles: ['member'] }] });
    expect(d.domainNamed('Default')?.id).toBe('default');
    expect(d.roleNamed('member')?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(d.projectRoles('u', 'p')).toEqual(['member']);
  });

  it('refuses dangling references and duplicate names, naming them', () => {
    expect(() => new IdentityDirectory({ projects: [{ id: 'p', name: 'p', domainId: 'nope' }], users: [] }))
      .toThrow('identity: project p names unknown domain "nope"');
    expect(() => new IdentityDirectory({ ...base, users: [{ id: 'u', name: 'u', domainId: 'default', passwordHash: 'x', projectId: 'q', roles: [] }] }))
      .toThrow('identity: user u names unknown project "q"');
    expect(() => new IdentityDirectory({ ...base, users: [
      { id: 'u1', name: 'same', domainId: 'default', passwordHash: 'x', projectId: 'p', roles: [] },
      { id: 'u2', name: 'same', domainId: 'default', passwordHash: 'x', projectId: 'p', roles: [] },
    ] })).toThrow(/duplicate user name "same"/);
  });
});

describe('catalog', () => {
  it('lays out devstack URLs under one base and substitutes the project id', () => {
    const cat = renderCatalog(devstackCatalog('http://h:8774/'), { userId: 'u', projectId: 'p' });
    expect(cat.map((s) => s.endpoints[0]!.url)).toEqual([
      'http://h:8774/compute/v2.1', 'http://h:8774/image', 'http://h:8774/identity', 'http://h:8774/placement', 'http://h:8774/ec2',
    ]);
    const legacy = renderCatalog([{ type: 'compute', name: 'nova', endpoints: [{ interface: 'public', url: 'http://h/v2/$(project_id)s' }] }], { userId: 'u', projectId: 'p1' });
    expect(legacy[0]!.endpoints[0]).toMatchObject({ url: 'http://h/v2/p1', region: 'RegionOne', region_id: 'RegionOne' });
    const noProject = renderCatalog([{ type: 'compute', name: 'nova', endpoints: [{ interface: 'public', url: 'http://h/v2/%(tenant_id)s' }] }], { userId: 'u', projectId: undefined });
    expect(noProject[0]!.endpoints).toEqual([]);
  });
});

describe('requireToken()', () => {
  let app: HttpServer;
  const caller: AuthContext = {
    userId: 'u', userName: 'demo', userDomainId: 'default', projectId: 'p', projectName: 'demo', projectDomainId: 'default',
    domainId: undefined, roles: ['member'], isAdmin: false, auditId: 'a', expiresAt: 0,
  };
  const authenticator: Authenticator = {
    async validateToken(token) {
      if (token === 'good') return caller;
      if (token === 'broken') throw new TypeError('revocation store down');
      throw new KeystoneUnauthorized();
    },
  };

  async function server(opts: Parameters<typeof requireToken>[1] = {}): Promise<HttpServer> {
    app = createHttpServer({ log: createLogger({}, 'silent'), clock: new VirtualClock(), rng: new SeededRng('rt').stream('r') });
    app.get('/compute/v2.1/servers', { preHandler: requireToken(authenticator, opts) }, async (req) => ({ who: authOf(req).userId }));
    return app;
  }

  afterEach(async () => {
    await app?.close();
  });

  it('lets a valid token through and hands the caller to the handler', async () => {
    const res = await (await server()).inject({ url: '/compute/v2.1/servers', headers: { 'x-auth-token': 'good' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ who: 'u' });
  });

  it('answers no token or a bad one as keystonemiddleware does in front of Nova', async () => {
    const s = await server({ wwwAuthenticateUri: 'http://h/identity' });
    for (const headers of [{}, { 'x-auth-token': 'bad' }]) {
      const res = await s.inject({ url: '/compute/v2.1/servers', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      expect(res.headers['www-authenticate']).toBe('Keystone uri="http://h/identity"');
      expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
    }
  });

  it('can answer with a Nova unauthorized fault instead', async () => {
    const res = await (await server({ unauthorizedBody: 'nova' })).inject({ url: '/compute/v2.1/servers' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ unauthorized: { code: 401, message: 'The request you have made requires authentication.' } });
  });

  it('does not hide a broken authenticator behind a 401', async () => {
    const res = await (await server()).inject({ url: '/compute/v2.1/servers', headers: { 'x-auth-token': 'broken' } });
    expect(res.statusCode).toBe(500);
  });
});
