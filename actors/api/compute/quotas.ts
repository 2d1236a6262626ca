/**
 * os-quota-sets: show (a project's limits, or with usage at /detail), defaults, and the admin's update
 * and revert-to-defaults. Which keys appear depends on the microversion (network-era keys go at 2.36,
 * injected files at 2.57). A non-admin may only read its own project.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest } from '../../../runtime/errors/index.ts';
import { QUOTA_RESOURCES } from '../db/index.ts';
import { callerOf, policyDenied, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { projectUsage } from './quota-usage.ts';
import { intLike, novaBoolean, validate } from './validation.ts';
import { since } from './version.ts';

type P = { Params: { project: string } };

const NETWORK_ERA = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const INJECTED = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

function visibleResources(request: FastifyRequest): string[] {
  let hidden: string[] = [];
  if (since(request, '2.36')) hidden = [...NETWORK_ERA];
  if (since(request, '2.57')) hidden = [...hidden, ...INJECTED];
  return QUOTA_RESOURCES.filter((r) => !hidden.includes(r));
}

function checkReader(request: FastifyRequest, project: string): void {
  const c = callerOf(request);
  if (!c.isAdmin && c.projectId !== project) throw policyDenied('os_compute_api:os-quota-sets:show');
}

async function usages(deps: ComputeDeps, request: FastifyRequest, project: string): Promise<Record<string, number>> {
  const u = await projectUsage(deps, request, project);
  const keypairs = deps.store.keypairs.ofUser(callerOf(request).userId).length;
  const groups = deps.store.groups.all().filter((g) => g.projectId === project).length;
  return { instances: u.instances, cores: u.cores, ram: u.ram, key_pairs: keypairs, server_groups: groups };
}

export function registerQuotaRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/os-quota-sets/:project', async (request) => {
    const project = request.params.project;
    checkReader(request, project);
    const limits = deps.store.quotas.limits(project);
    const out: Record<string, unknown> = { id: project };
    for (const r of visibleResources(request)) out[r] = limits[r];
    return { quota_set: out };
  });

  app.get<P>('/os-quota-sets/:project/detail', async (request) => {
    const project = request.params.project;
    checkReader(request, project);
    const limits = deps.store.quotas.limits(project);
    const used = await usages(deps, request, project);
    const out: Record<string, unknown> = { id: project };
    for (const r of visibleResources(request)) out[r] = { limit: limits[r], in_use: used[r] ?? 0, reserved: 0 };
    return { quota_set: out };
  });

  app.get<P>('/os-quota-sets/:project/defaults', async (request) => {
    const d = deps.store.quotas.defaults();
    const out: Record<string, unknown> = { id: request.params.project };
    for (const r of visibleResources(request)) out[r] = d[r];
    return { quota_set: out };
  });

  app.put<P>('/os-quota-sets/:project', async (request) => {
    requireAdmin(request, 'os_compute_api:os-quota-sets:update');
    const allowed = visibleResources(request);
    const shape: Record<string, z.ZodType> = { force: novaBoolean.optional() };
    for (const r of allowed) shape[r] = intLike(-1).optional();
    const body = validate(z.object({ quota_set: z.object(shape).strict() }).strict(), request.body).quota_set as Record<string, number | boolean>;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(body)) if (k !== 'force') values[k] = v as number;
    if (Object.keys(values).length === 0 && body['force'] === undefined) throw new BadRequest('No quota values were given.');
    await deps.store.quotas.set(request.params.project, values);
    const limits = deps.store.quotas.limits(request.params.project);
    const out: Record<string, unknown> = {};
    for (const r of allowed) out[r] = limits[r];
    return { quota_set: out };
  });

  app.delete<P>('/os-quota-sets/:project', async (request, reply) => {
    requireAdmin(request, 'os_compute_api:os-quota-sets:delete');
    await deps.store.quotas.reset(request.params.project);
    return reply.code(202).send();
  });
}
