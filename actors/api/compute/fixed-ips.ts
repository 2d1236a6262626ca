/**
 * os-fixed-ips (admin, ≤ 2.35): a fixed IP of the flat network — which guest holds it, on which host
 * — and the operator's reserve / unreserve flag (nova/api/openstack/compute/fixed_ips.py of Queens;
 * `reserved` shown from 2.4). An address outside the network is 404, a malformed one 400. The flag
 * is a record: the cells' allocator does not consult it yet (docs/conformance.md).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import type { InstanceRecord } from '../../conductor/records.ts';
import { parseCidr } from '../../conductor/tasks/fixed-ips.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { FLAT_NETWORK } from './networks.ts';
import { checkNetworkEra } from './security-groups.ts';
import { asObject, isIPv4 } from './validation.ts';
import { since } from './version.ts';
import { fakeAddress } from './views/addresses.ts';

type P = { Params: { address: string } };

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** The address, checked: 400 when it is not an IPv4 address, 404 when it is not on the flat network. */
function checkAddress(address: string): string {
  if (!isIPv4(address)) throw new BadRequest(`Fixed IP address ${address} is invalid.`);
  const net = parseCidr(FLAT_NETWORK.cidr)!;
  const a = toInt(address);
  if (a < net.base || a >= net.base + net.size) throw new NotFound(`Fixed IP address ${address} is not found.`);
  return address;
}

/** The address a guest has (the cell's allocation, else the simulated one views/addresses.ts shows). */
function addressOf(i: InstanceRecord): string | undefined {
  if (i.vmState === 'building' || i.host === null || i.deleted) return undefined;
  return i.systemMetadata['fixed_ip'] ?? fakeAddress(i.uuid).addr;
}

async function holderOf(deps: ComputeDeps, request: FastifyRequest, address: string): Promise<InstanceRecord | undefined> {
  const all = await deps.compute.list(contextOf(request), true);
  return all.find((i) => addressOf(i) === address);
}

export function registerFixedIpRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get<P>('/os-fixed-ips/:address', async (request) => {
    checkNetworkEra(request);
    requireAdmin(request, 'os_compute_api:os-fixed-ips');
    const address = checkAddress(request.params.address);
    const holder = await holderOf(deps, request, address);
    const out: Record<string, unknown> = {
      address, cidr: FLAT_NETWORK.cidr, host: holder?.host ?? null, hostname: holder?.hostname ?? null,
    };
    if (since(request, '2.4')) out['reserved'] = deps.store.network.isReserved(address);
    return { fixed_ip: out };
  });

  app.post<P>('/os-fixed-ips/:address/action', async (request, reply) => {
    checkNetworkEra(request);
    requireAdmin(request, 'os_compute_api:os-fixed-ips');
    const body = asObject(request.body);
    const reserve = Object.hasOwn(body, 'reserve');
    if (!reserve && !Object.hasOwn(body, 'unreserve')) throw new BadRequest('Unexpected action: expected reserve or unreserve.');
    const address = checkAddress(request.params.address);
    await deps.store.network.setReserved(address, reserve);
    return reply.code(202).send();
  });
}
