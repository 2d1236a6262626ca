/**
 * os-hosts (admin, up to 2.42 and 404 after, as in Nova): hosts by their services and zones, one
 * host's resources (total, used now, used at most, per project), enabling or disabling its compute
 * service. Power actions on a host and maintenance mode are not supported by the fake hypervisor
 * (501, as Nova answers for a driver without them).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFound } from '../../../runtime/errors/index.ts';
import { queryRaw } from '../../../runtime/http/index.ts';
import { NotImplementedByCells } from '../compute-api.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { validate } from './validation.ts';
import { since } from './version.ts';
import { zoneOfService } from './zones.ts';

type P = { Params: { host: string } };

function guard(request: FastifyRequest, rule: string): void {
  if (since(request, '2.43')) throw new NotFound('The resource could not be found.');
  requireAdmin(request, `os_compute_api:os-hosts:${rule}`);
}

async function computeHost(deps: ComputeDeps, request: FastifyRequest, host: string) {
  const services = await deps.compute.services(contextOf(request));
  const svc = services.find((s) => s.host === host && s.binary === 'nova-compute');
  if (!svc) throw new NotFound(`Compute host ${host} could not be found.`);
  return svc;
}

const updateBody = z.object({
  status: z.enum(['enable', 'disable']).optional(),
  maintenance_mode: z.enum(['enable', 'disable']).optional(),
}).strict().refine((b) => b.status !== undefined || b.maintenance_mode !== undefined, 'status or maintenance_mode is required');

export function registerHostRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-hosts', async (request) => {
    guard(request, 'list');
    const zone = queryRaw(request.query, 'zone');
    const services = await deps.compute.services(contextOf(request));
    const hosts = services.map((s) => ({ host_name: s.host, service: s.binary.replace(/^nova-/, ''), zone: zoneOfService(deps, s) }));
    return { hosts: zone ? hosts.filter((h) => h.zone === zone) : hosts };
  });

  app.get<P>('/os-hosts/:host', async (request) => {
    guard(request, 'show');
    const host = request.params.host;
    await computeHost(deps, request, host);
    const node = (await deps.compute.hypervisors(contextOf(request))).find((n) => n.host === host);
    if (!node) throw new NotFound(`Compute host ${host} could not be found.`);
    const instances = (await deps.compute.list(contextOf(request), true)).filter((i) => i.host === host && !i.deleted);
    const row = (project: string, cpu: number, memory_mb: number, disk_gb: number) => ({ resource: { host, project, cpu, memory_mb, disk_gb } });
    const out = [
      row('(total)', node.vcpus, node.memoryMb, node.localGb),
      row('(used_now)', Math.round(node.vcpusUsed), Math.round(node.memoryMbUsed), Math.round(node.localGbUsed)),
      row('(used_max)', instances.reduce((a, i) => a + i.flavor.vcpus, 0), instances.reduce((a, i) => a + i.flavor.memoryMb, 0),
        instances.reduce((a, i) => a + i.flavor.rootGb + i.flavor.ephemeralGb, 0)),
    ];
    for (const project of [...new Set(instances.map((i) => i.projectId))].sort()) {
      const mine = instances.filter((i) => i.projectId === project);
      out.push(row(project, mine.reduce((a, i) => a + i.flavor.vcpus, 0), mine.reduce((a, i) => a + i.flavor.memoryMb, 0),
        mine.reduce((a, i) => a + i.flavor.rootGb + i.flavor.ephemeralGb, 0)));
    }
    return { host: out };
  });

  app.put<P>('/os-hosts/:host', async (request) => {
    guard(request, 'update');
    const body = validate(updateBody, request.body);
    const svc = await computeHost(deps, request, request.params.host);
    if (body.maintenance_mode !== undefined) throw new NotImplementedByCells('Maintenance mode is not supported by this hypervisor.');
    const s = await deps.compute.updateService({ host: svc.host, binary: svc.binary, disabled: body.status === 'disable' }, contextOf(request));
    return { host: s.host, status: s.disabled ? 'disabled' : 'enabled' };
  });

  for (const action of ['startup', 'shutdown', 'reboot'] as const) {
    app.get<P>(`/os-hosts/:host/${action}`, async (request) => {
      guard(request, action);
      await computeHost(deps, request, request.params.host);
      throw new NotImplementedByCells(`Host power action ${action} is not supported by this hypervisor.`);
    });
  }
}

