/**
 * End to end with the real `openstack` CLI (python3-openstackclient): it discovers /identity,
 * authenticates with a password against our Keystone v3, and reads the token and the catalog.
 * Skipped, saying so in its name, only when the openstack binary is not installed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDS, PASSWORDS, startIdentityServer, type RunningIdentityServer } from '../support/identity-server.ts';
import { findOpenstackCli, openstackCli, type OpenstackCliError } from '../support/openstack-cli.ts';

const CLI = findOpenstackCli();
const TITLE = CLI
  ? 'the openstack CLI against /identity'
  : 'the openstack CLI against /identity (SKIPPED: no openstack binary; apt-get install -y python3-openstackclient)';

describe.skipIf(!CLI)(TITLE, () => {
  let server: RunningIdentityServer;
  // A clean environment: no OS_* variables or clouds.yaml of the machine running the tests.
  const home = mkdtempSync(join(tmpdir(), 'novacell-osc-'));
  /** The CLI as `username` with --os-* password options. */
  const as = (username: string, password: string, project: string) =>
    openstackCli({ cli: CLI!, home, auth: { url: server.authUrl, username, password, project }, timeoutMs: 60_000 });
  const admin = () => as('admin', PASSWORDS.admin, 'admin');
  const demo = () => as('demo', PASSWORDS.demo, 'demo');

  beforeAll(async () => {
    server = await startIdentityServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('token issue -f json gives a token our service validates', async () => {
    const token = await admin().json<{ id: string; user_id: string; project_id: string; expires: string }>('token', 'issue');
    expect(token.user_id).toBe(IDS.adminUser);
    expect(token.project_id).toBe(IDS.adminProject);
    const expires = Date.parse(token.expires);
    expect(expires - Date.now()).toBeGreaterThan(3_500_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3_600_000);
    const caller = await server.service.validateToken(token.id);
    expect(caller).toMatchObject({ userId: IDS.adminUser, projectId: IDS.adminProject, isAdmin: true });
  });

  it('catalog list -f json shows compute, image, identity and placement at this server', async () => {
    const rows = await admin().json<{ Name: string; Type: string; Endpoints: { interface: string; url: string; region: string; region_id: string }[] }[]>('catalog', 'list');
    const byType = Object.fromEntries(rows.map((r) => [r.Type, r]));
    expect(Object.keys(byType).sort()).toEqual(['compute', 'ec2', 'identity', 'image', 'placement']);
    expect(byType['compute']!.Name).toBe('nova');
    expect(byType['compute']!.Endpoints).toEqual([
      expect.objectContaining({ interface: 'public', url: `${server.baseUrl}/compute/v2.1`, region: 'RegionOne', region_id: 'RegionOne' }),
    ]);
    expect(byType['image']!.Endpoints[0]!.url).toBe(`${server.baseUrl}/image`);
    expect(byType['identity']!.Endpoints[0]!.url).toBe(`${server.baseUrl}/identity`);
    expect(byType['placement']!.Endpoints[0]!.url).toBe(`${server.baseUrl}/placement`);
    expect(byType['ec2']!.Endpoints[0]!.url).toBe(`${server.baseUrl}/ec2`);
  });

  it('a non-admin user gets a token for their own project', async () => {
    expect(await demo().json('token', 'issue')).toMatchObject({ user_id: IDS.demoUser, project_id: IDS.demoProject });
  });

  it('ec2 credentials create / list / show / delete', async () => {
    const c = await demo().json<{ access: string; secret: string; project_id: string; user_id: string }>('ec2', 'credentials', 'create');
    expect(c).toMatchObject({ project_id: IDS.demoProject, user_id: IDS.demoUser });
    expect(c.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(server.service.ec2Caller(c.access)?.caller).toMatchObject({ userId: IDS.demoUser, projectId: IDS.demoProject });
    const list = await demo().json<{ Access: string; 'Project ID': string }[]>('ec2', 'credentials', 'list');
    expect(list).toContainEqual(expect.objectContaining({ Access: c.access, 'Project ID': IDS.demoProject }));
    const shown = await demo().json<{ secret: string }>('ec2', 'credentials', 'show', c.access);
    expect(shown.secret).toBe(c.secret);
    await demo().openstack('ec2', 'credentials', 'delete', c.access);
    expect(server.service.ec2Caller(c.access)).toBeUndefined();
    const after = await demo().json<{ Access: string }[]>('ec2', 'credentials', 'list');
    expect(after.map((r) => r.Access)).not.toContain(c.access);
  });

  it('a wrong password fails with HTTP 401', async () => {
    const failed = await as('admin', 'not-the-password', 'admin').json('token', 'issue').then(
      () => undefined,
      (err: OpenstackCliError) => err,
    );
    expect(failed).toBeDefined();
    expect(failed!.code).not.toBe(0);
    expect(failed!.stderr).toContain('The request you have made requires authentication. (HTTP 401)');
  });
});
