/**
 * GET /limits: the project's absolute limits and what it uses (rate limits are gone since Newton).
 * Network-era keys disappear at 2.36, maxImageMeta at 2.39, the injected-file ones at 2.57; an admin may ask about another
 * project with `?tenant_id=`.
 */
import type { FastifyInstance } from 'fastify';
import { queryValue } from '../../../runtime/http/index.ts';
import { callerOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { projectUsage } from './quota-usage.ts';
import { since } from './version.ts';

export function registerLimitRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/limits', async (request) => {
    const caller = callerOf(request);
    const asked = queryValue(request.query, 'tenant_id');
    const project = asked !== undefined && caller.isAdmin ? asked : caller.projectId;
    const q = deps.store.quotas.limits(project);
    const used = await projectUsage(deps, request, project);
    const groups = deps.store.groups.all().filter((g) => g.projectId === project).length;
    const absolute: Record<string, number> = {
      maxServerMeta: q['metadata_items']!,
      maxPersonality: q['injected_files']!,
      maxPersonalitySize: q['injected_file_content_bytes']!,
      maxTotalKeypairs: q['key_pairs']!,
      maxServerGroups: q['server_groups']!,
      maxServerGroupMembers: q['server_group_members']!,
      maxTotalCores: q['cores']!,
      maxTotalInstances: q['instances']!,
      maxTotalRAMSize: q['ram']!,
      maxImageMeta: q['metadata_items']!,
      maxSecurityGroups: q['security_groups']!,
      maxSecurityGroupRules: q['security_group_rules']!,
      maxTotalFloatingIps: q['floating_ips']!,
      totalCoresUsed: used.cores,
      totalInstancesUsed: used.instances,
      totalRAMUsed: used.ram,
      totalServerGroupsUsed: groups,
      totalSecurityGroupsUsed: 0,
      totalFloatingIpsUsed: 0,
    };
    if (since(request, '2.36')) {
      for (const k of ['maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps', 'totalSecurityGroupsUsed', 'totalFloatingIpsUsed']) {
        delete absolute[k];
      }
    }
    if (since(request, '2.39')) delete absolute['maxImageMeta'];
    if (since(request, '2.57')) {
      delete absolute['maxPersonality'];
      delete absolute['maxPersonalitySize'];
    }
    return { limits: { rate: [], absolute } };
  });
}
