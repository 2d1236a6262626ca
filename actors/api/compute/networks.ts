/**
 * os-networks and os-tenant-networks (nova-network's API, ≤ 2.35) over the built-in flat network:
 * one network, "private", that every guest's fixed IP is on (views/addresses.ts shows it; a cell with
 * `fixed_range` cuts it into per-project blocks, conductor/tasks/fixed-ips.ts). Listing is open to
 * every project, as Nova's default policy allows; the nova-network management calls (create,
 * delete, associate, add) answer as Nova did with Neutron: 400 or 410, nothing is changed.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { callerOf, policyDenied } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { Gone } from './removed.ts';
import { checkNetworkEra } from './security-groups.ts';
import { FAKE_NETWORK } from './views/addresses.ts';

/** The flat network every guest address is on (the cells' fixed_range blocks lie within it). */
export const FLAT_NETWORK = {
  label: FAKE_NETWORK,
  cidr: '10.0.0.0/8',
  netmask: '255.0.0.0',
  broadcast: '10.255.255.255',
  gateway: '10.0.0.1',
  bridge: 'br100',
  /** A stable id, the same in every deployment and after every restart. */
  id: ((h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`)(
    createHash('sha256').update('novacell flat network private').digest('hex'),
  ),
} as const;

/** Nova's network_dict: the admin view has every nova-network column, others id, label and cidr. */
function networkView(admin: boolean): Record<string, unknown> {
  const n = FLAT_NETWORK;
  const brief = { id: n.id, label: n.label, cidr: n.cidr };
  if (!admin) return brief;
  return {
    ...brief, bridge: n.bridge, bridge_interface: null, broadcast: n.broadcast, cidr_v6: null, created_at: null, deleted: false,
    deleted_at: null, dhcp_server: n.gateway, dhcp_start: '10.0.0.10', dns1: null, dns2: null, enable_dhcp: true, gateway: n.gateway,
    gateway_v6: null, host: null, injected: false, mtu: null, multi_host: false, netmask: n.netmask, netmask_v6: null, priority: null,
    project_id: null, rxtx_base: null, share_address: false, updated_at: null, vlan: null, vpn_private_address: null,
    vpn_public_address: null, vpn_public_port: null,
  };
}

function find(request: FastifyRequest, id: string, admin: boolean): Record<string, unknown> {
  if (id !== FLAT_NETWORK.id) throw new NotFound(`Network ${id} could not be found.`);
  return networkView(admin);
}

export function registerNetworkRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  void deps;
  type P = { Params: { id: string } };
  app.get('/os-networks', async (request) => {
    checkNetworkEra(request);
    return { networks: [networkView(callerOf(request).isAdmin)] };
  });
  app.get<P>('/os-networks/:id', async (request) => {
    checkNetworkEra(request);
    return { network: find(request, request.params.id, callerOf(request).isAdmin) };
  });
  // Network management went with nova-network; Nova answers these 410 (or 400 for create) with Neutron.
  const requireNetworkAdmin = (request: FastifyRequest, rule: string) => {
    checkNetworkEra(request);
    if (!callerOf(request).isAdmin) throw policyDenied(rule);
  };
  app.post('/os-networks', async (request) => {
    requireNetworkAdmin(request, 'os_compute_api:os-networks');
    throw new Gone('Network creation needs a network service, which this cloud does not have.');
  });
  app.delete<P>('/os-networks/:id', async (request) => {
    requireNetworkAdmin(request, 'os_compute_api:os-networks');
    throw new Gone('Network deletion needs a network service, which this cloud does not have.');
  });
  app.post<P>('/os-networks/:id/action', async (request) => {
    requireNetworkAdmin(request, 'os_compute_api:os-networks');
    find(request, request.params.id, true);
    throw new Gone('Network association needs a network service, which this cloud does not have.');
  });
  app.post('/os-networks/add', async (request) => {
    requireNetworkAdmin(request, 'os_compute_api:os-networks');
    throw new Gone('Network association needs a network service, which this cloud does not have.');
  });

  app.get('/os-tenant-networks', async (request) => {
    checkNetworkEra(request);
    callerOf(request);
    return { networks: [networkView(false)] };
  });
  app.get<P>('/os-tenant-networks/:id', async (request) => {
    checkNetworkEra(request);
    callerOf(request);
    return { network: find(request, request.params.id, false) };
  });
  app.post('/os-tenant-networks', async (request) => {
    checkNetworkEra(request);
    throw new BadRequest('Network creation needs a network service, which this cloud does not have.');
  });
  app.delete<P>('/os-tenant-networks/:id', async (request) => {
    checkNetworkEra(request);
    throw new Gone('Network deletion needs a network service, which this cloud does not have.');
  });
}
