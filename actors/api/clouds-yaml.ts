/**
 * clouds.yaml for the operator's own tools (`openstack --os-cloud novacell ...`): one cloud per user
 * of the topology, the first admin as `novacell`. It holds passwords, so it is written 0600 and its
 * content is never logged.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { TopologyPlan } from '../../topology/index.ts';

export function cloudsYaml(plan: TopologyPlan, authUrl: string, region = 'RegionOne'): string {
  const admin = plan.users.find((u) => u.roles.includes('admin')) ?? plan.users[0];
  const cloud = (u: (typeof plan.users)[number]) => ({
    auth: {
      auth_url: authUrl, username: u.name, password: u.password, project_name: u.project,
      user_domain_name: u.domain, project_domain_name: plan.projects.find((p) => p.name === u.project)?.domain ?? 'Default',
    },
    region_name: region,
    interface: 'public',
    identity_api_version: 3,
  });
  const clouds: Record<string, unknown> = {};
  if (admin) clouds['novacell'] = cloud(admin);
  for (const u of plan.users) clouds[`novacell-${u.name}`] = cloud(u);
  return stringify({ clouds });
}

export async function writeCloudsYaml(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}
