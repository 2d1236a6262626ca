/**
 * os-simple-tenant-usage and os-migrations. Usage is derived from the servers that exist now (hours
 * since launch within the period, which ends at now at the latest, as in Nova); deleted servers are
 * no longer known to the cells, so they do not count. Migrations: none are recorded by the cells yet, so the list is empty.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { InstanceRecord } from '../../conductor/records.ts';
import { callerOf, contextOf, policyDenied, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';

function naive(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

function period(deps: ComputeDeps, request: FastifyRequest): { start: number; end: number } {
  const parse = (name: string, fallback: number) => {
    const v = queryValue(request.query, name);
    if (v === undefined) return fallback;
    const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    if (Number.isNaN(t)) throw new BadRequest(`Invalid ${name} value: ${v}`);
    return t;
  };
  const now = deps.clock.now();
  const end = parse('end', now);
  const start = parse('start', end - 86_400_000);
  if (start > end) throw new BadRequest('Invalid start time. The start time cannot occur after the end time.');
  // As Nova does: nothing is charged beyond now, and `stop` says so.
  return { start, end: Math.min(end, now) };
}

function usageOf(deps: ComputeDeps, project: string, list: InstanceRecord[], start: number, end: number, detailed: boolean) {
  const servers = list.filter((i) => i.projectId === project).map((i) => {
    const from = Math.max(start, i.launchedAt ?? i.createdAt);
    const until = Math.min(end, i.terminatedAt ?? end);
    const hours = Math.max(0, until - from) / 3_600_000;
    return {
      instance_id: i.uuid, name: deps.store.instances.attrs(i.uuid).name ?? i.displayName, hours, memory_mb: i.flavor.memoryMb,
      local_gb: i.flavor.rootGb, vcpus: i.flavor.vcpus, tenant_id: project, flavor: i.flavor.name,
      started_at: naive(i.launchedAt ?? i.createdAt), ended_at: i.terminatedAt ? naive(i.terminatedAt) : null,
      state: i.vmState, uptime: Math.round(Math.max(0, end - (i.launchedAt ?? i.createdAt)) / 1000),
    };
  });
  const sum = (f: (s: (typeof servers)[number]) => number) => servers.reduce((a, s) => a + f(s), 0);
  const out: Record<string, unknown> = {
    tenant_id: project, total_hours: sum((s) => s.hours), total_vcpus_usage: sum((s) => s.hours * s.vcpus),
    total_memory_mb_usage: sum((s) => s.hours * s.memory_mb), total_local_gb_usage: sum((s) => s.hours * s.local_gb),
    start: naive(start), stop: naive(end),
  };
  if (detailed) out['server_usages'] = servers;
  return out;
}

export function registerUsageRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-simple-tenant-usage', async (request) => {
    // `/os-simple-tenant-usage/` is the show route with an empty project id, not the list.
    if (request.url.split('?')[0]!.endsWith('/')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:os-simple-tenant-usage:list');
    const { start, end } = period(deps, request);
    const detailed = ['1', 'true', 'True'].includes(queryValue(request.query, 'detailed') ?? '');
    const all = await deps.compute.list(contextOf(request), true);
    const projects = [...new Set(all.map((i) => i.projectId))].sort();
    return { tenant_usages: projects.map((p) => usageOf(deps, p, all, start, end, detailed)) };
  });
  app.get<{ Params: { project: string } }>('/os-simple-tenant-usage/:project', async (request) => {
    const c = callerOf(request);
    if (!c.isAdmin && c.projectId !== request.params.project) throw policyDenied('os_compute_api:os-simple-tenant-usage:show');
    const { start, end } = period(deps, request);
    const all = await deps.compute.list({ ...contextOf(request), projectId: request.params.project }, false);
    return { tenant_usage: usageOf(deps, request.params.project, all, start, end, true) };
  });
}
