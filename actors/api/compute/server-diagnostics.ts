/**
 * GET /servers/{id}/diagnostics (admin): what the guest's hypervisor reports, asked of its compute
 * host through the owning cell (the driver's getDiagnostics). From 2.48 Nova's standard format; before
 * it the hypervisor's free-form dictionary (libvirt's old key names). A guest that is not running is
 * 409, a driver without diagnostics 501 (nova/api/openstack/compute/server_diagnostics.py).
 */
import type { FastifyInstance } from 'fastify';
import { InstanceInvalidState } from '../../../runtime/errors/index.ts';
import { legacyDiagnostics } from '../../objects/index.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { loadServer } from './server-lookup.ts';
import { since } from './version.ts';

export function registerServerDiagnosticsRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<{ Params: { id: string } }>('/servers/:id/diagnostics', async (request) => {
    requireAdmin(request, 'os_compute_api:os-server-diagnostics');
    const server = await loadServer(deps, request, request.params.id);
    if (!server.inst.host) throw new InstanceInvalidState(`Instance ${server.inst.uuid} is not ready: it has no host yet.`);
    const d = await deps.compute.getDiagnostics(server.inst.uuid, contextOf(request));
    return since(request, '2.48') ? d : legacyDiagnostics(d);
  });
}
