/** Keystone's read APIs: auth/catalog, auth/projects, projects, users, domains, roles, role_assignments. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { identityFixture, IDS, PASSWORDS, type IdentityFixture } from '../../../../support/identity-server.ts';

let fx: IdentityFixture;
let admin: string;
let demo: string;
const HOST = { host: 'cloud.example:8774' };

async function token(name: string, password: string, project: string): Promise<string> {
  const res = await fx.app.inject({
    method: 'POST', url: '/identity/v3/auth/tokens',
    payload: {
      auth: {
        identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    },
  });
  expect(res.statusCode).toBe(201);
  return res.headers['x-subject-token'] as string;
}

function get(url: string, tok: string) {
  return fx.app.inject({ url, headers: { ...HOST, 'x-auth-token': tok } });
}

beforeAll(async () => {
  fx = await identityFixture({ clock: new VirtualClock() });
  admin = await token('admin', PASSWORDS.admin, 'admin');
  demo = await token('demo', PASSWORDS.demo, 'demo');
});

afterAll(async () => {
  await fx.app.close();
});

describe('/v3/auth/*', () => {
  it('GET /v3/auth/catalog returns the token\'s catalog', async () => {
    const res = await get('/identity/v3/auth/catalog', demo);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { catalog: { type: string }[]; links: { self: string } };
    expect(body.catalog.map((s) => s.type).sort()).toEqual(['compute', 'ec2', 'identity', 'image', 'placement']);
    expect(body.links.self).toBe('http://cloud.example:8774/identity/v3/auth/catalog');
  });

  it('GET /v3/auth/projects lists the projects the caller holds a role on', async () => {
    const body = (await get('/identity/v3/auth/projects', demo)).json() as { projects: Record<string, unknown>[]; links: unknown };
    expect(body.projects).toEqual([{
      id: IDS.demoProject, name: 'demo', domain_id: 'default', description: 'demo project', enabled: true, parent_id: 'default',
      is_domain: false, tags: [], options: {}, links: { self: `http://cloud.example:8774/identity/v3/projects/${IDS.demoProject}` },
    }]);
    expect(body.links).toEqual({ next: null, self: 'http://cloud.example:8774/identity/v3/auth/projects', previous: null });
  });

  it('GET /v3/auth/domains lists domains the caller holds a role on', async () => {
    expect(((await get('/identity/v3/auth/domains', admin)).json() as { domains: { id: string }[] }).domains.map((d) => d.id)).toEqual(['default']);
    expect(((await get('/identity/v3/auth/domains', demo)).json() as { domains: unknown[] }).domains).toEqual([]);
  });

  it('needs a token', async () => {
    const res = await fx.app.inject({ url: '/identity/v3/auth/projects' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
  });
});

describe('projects', () => {
  it('lists all projects to an admin, filtered by name', async () => {
    const all = (await get('/identity/v3/projects', admin)).json() as { projects: { name: string }[] };
    expect(all.projects.map((p) => p.name).sort()).toEqual(['admin', 'alt_demo', 'demo']);
    const one = (await get('/identity/v3/projects?name=demo', admin)).json() as { projects: { id: string }[]; links: { self: string } };
    expect(one.projects.map((p) => p.id)).toEqual([IDS.demoProject]);
    expect(one.links.self).toBe('http://cloud.example:8774/identity/v3/projects?name=demo');
  });

  it('forbids the list to a member, but shows them their own project', async () => {
    expect((await get('/identity/v3/projects', demo)).statusCode).toBe(403);
    const own = await get(`/identity/v3/projects/${IDS.demoProject}`, demo);
    expect(own.statusCode).toBe(200);
    expect((own.json() as { project: { name: string } }).project.name).toBe('demo');
    expect((await get(`/identity/v3/projects/${IDS.altProject}`, demo)).statusCode).toBe(403);
  });

  it('is 404 for an unknown project', async () => {
    const res = await get('/identity/v3/projects/nope', admin);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 404, title: 'Not Found', message: 'Could not find project: nope.' } });
  });

  it('GET /v3/users/{id}/projects for oneself or an admin', async () => {
    const mine = (await get(`/identity/v3/users/${IDS.demoUser}/projects`, demo)).json() as { projects: { id: string }[] };
    expect(mine.projects.map((p) => p.id)).toEqual([IDS.demoProject]);
    expect((await get(`/identity/v3/users/${IDS.altUser}/projects`, admin)).statusCode).toBe(200);
    expect((await get(`/identity/v3/users/${IDS.altUser}/projects`, demo)).statusCode).toBe(403);
  });
});

describe('users, domains, roles', () => {
  it('lists users to an admin without any password material', async () => {
    const res = await get('/identity/v3/users?name=demo', admin);
    const body = res.json() as { users: Record<string, unknown>[] };
    expect(body.users).toHaveLength(1);
    expect(body.users[0]).toMatchObject({ id: IDS.demoUser, name: 'demo', domain_id: 'default', enabled: true, default_project_id: IDS.demoProject });
    expect(res.body).not.toMatch(/scrypt|password_hash|passwordHash/);
    expect((await get('/identity/v3/users', demo)).statusCode).toBe(403);
    expect((await get(`/identity/v3/users/${IDS.demoUser}`, demo)).statusCode).toBe(200);
  });

  it('lists domains to an admin and shows a member their own', async () => {
    const body = (await get('/identity/v3/domains?name=Default', admin)).json() as { domains: Record<string, unknown>[] };
    expect(body.domains).toEqual([{
      id: 'default', name: 'Default', description: 'The default domain', enabled: true, tags: [], options: {},
      links: { self: 'http://cloud.example:8774/identity/v3/domains/default' },
    }]);
    expect((await get('/identity/v3/domains/default', demo)).statusCode).toBe(200);
  });

  it('lists roles, by name too', async () => {
    const all = (await get('/identity/v3/roles', admin)).json() as { roles: { name: string }[] };
    expect(all.roles.map((r) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    const admins = (await get('/identity/v3/roles?name=admin', admin)).json() as { roles: { id: string; name: string }[] };
    expect(admins.roles).toHaveLength(1);
    expect((await get(`/identity/v3/roles/${admins.roles[0]!.id}`, admin)).statusCode).toBe(200);
  });
});

describe('role assignments', () => {
  it('lists assignments filtered by user and project, with names on request', async () => {
    const res = await get(`/identity/v3/role_assignments?user.id=${IDS.demoUser}&scope.project.id=${IDS.demoProject}&include_names=1`, admin);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { role_assignments: Record<string, any>[] };
    expect(body.role_assignments.map((a) => a['role'].name).sort()).toEqual(['member', 'reader']);
    expect(body.role_assignments[0]).toMatchObject({
      user: { id: IDS.demoUser, name: 'demo', domain: { id: 'default', name: 'Default' } },
      scope: { project: { id: IDS.demoProject, name: 'demo', domain: { id: 'default', name: 'Default' } } },
    });
    expect(body.role_assignments[0]!['links'].assignment).toMatch(/\/v3\/projects\/p-demo\/users\/u-demo\/roles\/[0-9a-f]{32}$/);
  });

  it('shows ids only without include_names, and domain assignments by scope.domain.id', async () => {
    const body = (await get('/identity/v3/role_assignments?scope.domain.id=default', admin)).json() as { role_assignments: Record<string, any>[] };
    expect(body.role_assignments).toHaveLength(1);
    expect(body.role_assignments[0]).toMatchObject({ user: { id: IDS.adminUser }, scope: { domain: { id: 'default' } } });
    expect(body.role_assignments[0]!['role'].name).toBeUndefined();
  });

  it('is admin only', async () => {
    expect((await get('/identity/v3/role_assignments', demo)).statusCode).toBe(403);
  });
});
