/**
 * Quota checks at the API (Nova's "counting" quotas): usage is what exists now — a project's
 * instances, cores and RAM in the cells, its keypairs and server groups in the API database — compared
 * against its limits. Exceeding one is 403 with Nova's "Quota exceeded for ..." message.
 */
import type { FastifyRequest } from 'fastify';
import { Forbidden } from '../../../runtime/errors/index.ts';
import type { InstanceRecord } from '../../conductor/records.ts';
import { contextOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';

export interface ComputeUsage {
  instances: number;
  cores: number;
  ram: number;
}

export function usageOf(instances: readonly InstanceRecord[]): ComputeUsage {
  const u: ComputeUsage = { instances: 0, cores: 0, ram: 0 };
  for (const i of instances) {
    if (i.deleted) continue;
    u.instances++;
    u.cores += i.flavor.vcpus;
    u.ram += i.flavor.memoryMb;
  }
  return u;
}

/** The project's instance usage, from the cells. */
export async function projectUsage(deps: ComputeDeps, request: FastifyRequest, projectId: string): Promise<ComputeUsage> {
  const ctx = { ...contextOf(request), projectId };
  return usageOf(await deps.compute.list(ctx, false));
}

export class QuotaExceeded extends Forbidden {
  constructor(resource: string, requested: number, used: number, limit: number) {
    super(`Quota exceeded for ${resource}: Requested ${requested}, but already used ${used} of ${limit} ${resource}`);
  }
}

/** How many instances of this size fit (at most `max`); 403 when not even `min` do. */
export function instancesAllowed(
  limits: Record<string, number>, used: ComputeUsage, vcpus: number, ram: number, min: number, max: number,
): number {
  const room = (limit: number | undefined, inUse: number, per: number) =>
    limit === undefined || limit < 0 || per === 0 ? Infinity : Math.floor((limit - inUse) / per);
  const fit = Math.min(room(limits['instances'], used.instances, 1), room(limits['cores'], used.cores, vcpus), room(limits['ram'], used.ram, ram));
  if (fit >= min) return Math.min(fit, max);
  // Name the first resource that cannot take `min` more, as Nova's message does.
  for (const [resource, inUse, per] of [['instances', used.instances, 1], ['cores', used.cores, vcpus], ['ram', used.ram, ram]] as const) {
    const limit = limits[resource];
    if (limit !== undefined && limit >= 0 && inUse + per * min > limit) throw new QuotaExceeded(resource, per * min, inUse, limit);
  }
  throw new QuotaExceeded('instances', min, used.instances, limits['instances'] ?? -1);
}

/** A simple count against a limit (metadata_items, key_pairs, server_groups, ...). */
export function checkCount(limits: Record<string, number>, resource: string, used: number, requested: number): void {
  const limit = limits[resource];
  if (limit !== undefined && limit >= 0 && used + requested > limit) throw new QuotaExceeded(resource, requested, used, limit);
}
