/**
 * End to end with the real `openstack` CLI (python3-openstackclient): it discovers /identity,
 * authenticates with a password against our Keystone v3, and reads the token and the catalog.
 * Skipped, saying so in its name, only when the openstack binary is not installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDS, PASSWORDS, startIdentityServer, type RunningIdentityServer } from '../support/identity-server.ts';

const run = promisify(execFile);

/** /usr/bin/openstack first: another Python earlier on PATH may lack the client's modules. */
function findCli(): string | undefined {
  const candidates = [process.env['OPENSTACK_CLI'], '/usr/bin/openstack', '/usr/local/bin/openstack'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

const CLI = findCli();
const TITLE = CLI
  ? 'the openstack CLI against /identity'
  : 'the openstack CLI against /identity (SKIPPED: no openstack binary; apt-get install -y python3-openstackclient)';

describe.skipIf(!CLI)(TITLE, () => {
  let server: RunningIdentityServer;
  // A clean environment: no OS_* variables or clouds.yaml of the machine running the tests.
  const env = { PATH: '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'novacell-osc-')), LANG: 'C.UTF-8' };

  function openstack(args: string[], user = 'admin', password: string = PASSWORDS.admin, project = 'admin') {
    return run(CLI!, [
      '--os-auth-url', server.authUrl, '--os-username', user, '--os-password', password, '--os-project-name', project,
      '--os-user-domain-name', 'Default', '--os-project-domain-name', 'Default', '--os-identity-api-version', '3',
      ...args,
    ], { env, timeout: 60_000 });
  }

  beforeAll(async () => {
    server = await startIdentityServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('token issue -f json gives a token our service validates', async () => {
    const { stdout } = await openstack(['token', 'issue', '-f', 'json']);
    const token = JSON.parse(stdout) as { id: string; user_id: string; project_id: string; expires: string };
    expect(token.user_id).toBe(IDS.adminUser);
    expect(token.project_id).toBe(IDS.adminProject);
    const expires = Date.parse(token.expires);
    expect(expires - Date.now()).toBeGreaterThan(3_500_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3_600_000);
    const caller = await server.service.validateToken(token.id);
    expect(caller).toMatchObject({ userId: IDS.adminUser, projectId: IDS.adminProject, isAdmin: true });
  });

  it('catalog list -f json shows compute, image, identity and placement at this server', async () => {
    const { stdout } = await openstack(['catalog', 'list', '-f', 'json']);
    const rows = JSON.parse(stdout) as { Name: string; Type: string; Endpoints: { interface: string; url: string; region: string; region_id: string }[] }[];
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
    const { stdout } = await openstack(['token', 'issue', '-f', 'json'], 'demo', PASSWORDS.demo, 'demo');
    expect(JSON.parse(stdout)).toMatchObject({ user_id: IDS.demoUser, project_id: IDS.demoProject });
  });

  it('ec2 credentials create / list / show / delete', async () => {
    const { stdout } = await openstack(['ec2', 'credentials', 'create', '-f', 'json'], 'demo', PASSWORDS.demo, 'demo');
    const c = JSON.parse(stdout) as { access: string; secret: string; project_id: string; user_id: string };
    expect(c).toMatchObject({ project_id: IDS.demoProject, user_id: IDS.demoUser });
    expect(c.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(server.service.ec2Caller(c.access)?.caller).toMatchObject({ userId: IDS.demoUser, projectId: IDS.demoProject });
    const list = JSON.parse((await openstack(['ec2', 'credentials', 'list', '-f', 'json'], 'demo', PASSWORDS.demo, 'demo')).stdout) as { Access: string; 'Project ID': string }[];
    expect(list).toContainEqual(expect.objectContaining({ Access: c.access, 'Project ID': IDS.demoProject }));
    const shown = JSON.parse((await openstack(['ec2', 'credentials', 'show', c.access, '-f', 'json'], 'demo', PASSWORDS.demo, 'demo')).stdout) as { secret: string };
    expect(shown.secret).toBe(c.secret);
    await openstack(['ec2', 'credentials', 'delete', c.access], 'demo', PASSWORDS.demo, 'demo');
    expect(server.service.ec2Caller(c.access)).toBeUndefined();
    const after = JSON.parse((await openstack(['ec2', 'credentials', 'list', '-f', 'json'], 'demo', PASSWORDS.demo, 'demo')).stdout) as { Access: string }[];
    expect(after.map((r) => r.Access)).not.toContain(c.access);
  });

  it('a wrong password fails with HTTP 401', async () => {
    const failed = await openstack(['token', 'issue', '-f', 'json'], 'admin', 'not-the-password').then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed).toBeDefined();
    expect(failed!.code).not.toBe(0);
    expect(failed!.stderr).toContain('The request you have made requires authentication. (HTTP 401)');
  });
});
