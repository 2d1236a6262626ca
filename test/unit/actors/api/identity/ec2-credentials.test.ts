/**
 * EC2 credentials in identity: /v3/users/{id}/credentials/OS-EC2 and /v3/credentials (type ec2), their
 * policy (own credentials only, unless admin), and their storage: the secret is encrypted in the
 * database and decrypts only with the same service secret.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { openApiStore } from '../../../../../actors/api/api-service.ts';
import { ApiStore } from '../../../../../actors/api/db/index.ts';
import { CredentialCipher, EncryptedCredentialStore, ec2CredentialId } from '../../../../../actors/api/identity/index.ts';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
let userOf: (name: string) => string;

beforeAll(async () => {
  fx = await apiFixture();
  userOf = (name) => fx.plan.users.find((u) => u.name === name)!.id;
});
afterAll(async () => {
  await fx.close();
});

const ec2Url = (user: string, access = '') => `/identity/v3/users/${user}/credentials/OS-EC2${access ? `/${access}` : ''}`;

describe('OS-EC2 credentials', () => {
  it('a user creates, lists, shows and deletes their own', async () => {
    const demo = userOf('demo');
    const created = await fx.call('POST', ec2Url(demo), { body: { tenant_id: fx.project.demo } });
    expect(created.statusCode).toBe(201);
    const c = created.json().credential;
    expect(c).toMatchObject({ user_id: demo, tenant_id: fx.project.demo, trust_id: null });
    expect(c.access).toMatch(/^[0-9a-f]{32}$/);
    expect(c.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(c.links.self).toMatch(new RegExp(`/v3/users/${demo}/credentials/OS-EC2/${c.access}$`));

    const list = await fx.call('GET', ec2Url(demo));
    expect(list.statusCode).toBe(200);
    expect(list.json().credentials.map((x: { access: string }) => x.access)).toContain(c.access);

    const shown = await fx.call('GET', ec2Url(demo, c.access));
    expect(shown.json().credential.secret).toBe(c.secret);

    const del = await fx.call('DELETE', ec2Url(demo, c.access));
    expect(del.statusCode).toBe(204);
    expect((await fx.call('GET', ec2Url(demo, c.access))).statusCode).toBe(404);
  });

  it('another user\'s credentials are forbidden to non-admins, visible to admins', async () => {
    const demo = userOf('demo');
    const c = (await fx.call('POST', ec2Url(demo), { body: { tenant_id: fx.project.demo } })).json().credential;
    expect((await fx.call('GET', ec2Url(demo), { as: 'alt' })).statusCode).toBe(403);
    expect((await fx.call('DELETE', ec2Url(demo, c.access), { as: 'alt' })).statusCode).toBe(403);
    expect((await fx.call('POST', ec2Url(demo), { as: 'alt', body: { tenant_id: fx.project.alt } })).statusCode).toBe(403);
    expect((await fx.call('GET', ec2Url(demo, c.access), { as: 'admin' })).json().credential.access).toBe(c.access);
  });

  it('refuses a project the user holds no role on, an unknown project, and a missing tenant_id', async () => {
    const demo = userOf('demo');
    const noRole = await fx.call('POST', ec2Url(demo), { body: { tenant_id: fx.project.alt } });
    expect(noRole.statusCode).toBe(403);
    expect(noRole.json().error.code).toBe(403);
    expect((await fx.call('POST', ec2Url(demo), { body: { tenant_id: 'nope' } })).statusCode).toBe(404);
    const bad = await fx.call('POST', ec2Url(demo), { body: {} });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('tenant_id');
  });

  it('resolves an access key to its user on its project (what the EC2 API authenticates with)', async () => {
    const demo = userOf('demo');
    const c = (await fx.call('POST', ec2Url(demo), { body: { tenant_id: fx.project.demo } })).json().credential;
    const token = await fx.call('POST', '/identity/v3/auth/tokens', { as: null, body: {} }); // keeps the route table honest
    expect(token.statusCode).toBe(400);
    const list = await fx.call('GET', '/identity/v3/credentials?type=ec2');
    const ids = list.json().credentials.map((x: { id: string }) => x.id);
    expect(ids).toContain(ec2CredentialId(c.access));
  });
});

describe('/v3/credentials (type ec2)', () => {
  it('creates with a blob, shows, lists by user, deletes; the id is sha256(access)', async () => {
    const demo = userOf('demo');
    const blob = JSON.stringify({ access: 'AKIDEXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    const res = await fx.call('POST', '/identity/v3/credentials', { body: { credential: { type: 'ec2', blob, user_id: demo, project_id: fx.project.demo } } });
    expect(res.statusCode).toBe(201);
    const c = res.json().credential;
    expect(c.id).toBe(ec2CredentialId('AKIDEXAMPLE'));
    expect(JSON.parse(c.blob)).toMatchObject({ access: 'AKIDEXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    expect((await fx.call('GET', `/identity/v3/credentials/${c.id}`)).json().credential.user_id).toBe(demo);
    const dup = await fx.call('POST', '/identity/v3/credentials', { body: { credential: { type: 'ec2', blob, user_id: demo, project_id: fx.project.demo } } });
    expect(dup.statusCode).toBe(409);
    const mine = (await fx.call('GET', `/identity/v3/credentials?user_id=${demo}`)).json().credentials;
    expect(mine.every((x: { user_id: string }) => x.user_id === demo)).toBe(true);
    // alt sees none of demo's; a non-ec2 type is refused
    expect((await fx.call('GET', '/identity/v3/credentials', { as: 'alt' })).json().credentials).toEqual([]);
    expect((await fx.call('GET', `/identity/v3/credentials/${c.id}`, { as: 'alt' })).statusCode).toBe(404);
    const cert = await fx.call('POST', '/identity/v3/credentials', { body: { credential: { type: 'cert', blob: 'x', user_id: demo } } });
    expect(cert.statusCode).toBe(400);
    expect((await fx.call('DELETE', `/identity/v3/credentials/${c.id}`)).statusCode).toBe(204);
    expect((await fx.call('GET', `/identity/v3/credentials/${c.id}`)).statusCode).toBe(404);
  });

  it('the catalog advertises the ec2 endpoint', async () => {
    const res = await fx.call('GET', '/identity/v3/auth/catalog');
    const ec2 = res.json().catalog.find((s: { type: string }) => s.type === 'ec2');
    expect(ec2.endpoints[0].url).toBe('http://cloud.test:8774/ec2');
  });
});

describe('credential storage', () => {
  it('keeps the secret encrypted on disk, in a file only its owner reads, and decrypts with the same key only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-cred-'));
    const file = join(dir, 'api.sqlite');
    const store = await openApiStore(file, fx.plan, new VirtualClock());
    const key = 'a-token-secret-of-enough-length';
    const creds = await EncryptedCredentialStore.open(store.credentials, new CredentialCipher(key));
    const secret = 'the-very-secret-value-123';
    await creds.put({ id: ec2CredentialId('AK1'), userId: 'u', projectId: 'p', type: 'ec2', blob: JSON.stringify({ access: 'AK1', secret }), createdAt: 1 });
    const rows = await store.db('credentials').select();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(statSync(file).mode & 0o077).toBe(0);
    await store.close();

    const again = await ApiStore.open({ file });
    const reread = await EncryptedCredentialStore.open(again.credentials, new CredentialCipher(key));
    expect(JSON.parse(reread.get(ec2CredentialId('AK1'))!.blob).secret).toBe(secret);
    await expect(EncryptedCredentialStore.open(again.credentials, new CredentialCipher('another-secret-of-enough-length'))).rejects.toThrow(/does not decrypt/);
    await again.close();
  });
});
