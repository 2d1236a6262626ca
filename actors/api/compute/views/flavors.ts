/** Flavor bodies per microversion (nova/api/openstack/compute/views/flavors.py). */
import type { FastifyRequest } from 'fastify';
import type { Flavor } from '../../db/index.ts';
import { resourceLinks } from '../context.ts';
import type { ComputeDeps } from '../deps.ts';
import { since } from '../version.ts';

export function flavorBasic(request: FastifyRequest, deps: ComputeDeps, f: Flavor): Record<string, unknown> {
  const out: Record<string, unknown> = { id: f.id, name: f.name, links: resourceLinks(request, deps, 'flavors', f.id) };
  if (since(request, '2.55')) out['description'] = f.description;
  return out;
}

export function flavorDetail(request: FastifyRequest, deps: ComputeDeps, f: Flavor): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    name: f.name,
    ram: f.ram,
    disk: f.disk,
    swap: since(request, '2.75') ? f.swap : f.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': false,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.isPublic,
    rxtx_factor: f.rxtxFactor || '',
    links: resourceLinks(request, deps, 'flavors', f.id),
  };
  if (since(request, '2.55')) out['description'] = f.description;
  if (since(request, '2.61')) out['extra_specs'] = { ...f.extraSpecs };
  return out;
}
