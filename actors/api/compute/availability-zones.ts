/**
 * os-availability-zone: zones with their availability (everyone) and, in detail, every host and
 * service in each zone (admin). Compute hosts sit in their aggregate's zone or the default one;
 * other services in the internal zone.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceView } from '../compute-api.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { zoneOfService } from './zones.ts';

function naive(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

async function zones(deps: ComputeDeps, request: FastifyRequest) {
  const services = await deps.compute.services(contextOf(request));
  const byZone = new Map<string, ServiceView[]>();
  for (const s of services) {
    const z = zoneOfService(deps, s);
    byZone.set(z, [...(byZone.get(z) ?? []), s]);
  }
  const available: string[] = [];
  const unavailable: string[] = [];
  for (const [z, list] of byZone) (list.some((s) => !s.disabled) ? available : unavailable).push(z);
  return { byZone, available: available.sort(), unavailable: unavailable.sort() };
}

export function registerAvailabilityZoneRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-availability-zone', async (request) => {
    const { available, unavailable } = await zones(deps, request);
    const internal = deps.settings.internalServiceAvailabilityZone;
    return {
      availabilityZoneInfo: [
        ...available.filter((z) => z !== internal).map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: null })),
        ...unavailable.filter((z) => z !== internal).map((zoneName) => ({ zoneName, zoneState: { available: false }, hosts: null })),
      ],
    };
  });

  app.get('/os-availability-zone/detail', async (request) => {
    requireAdmin(request, 'os_compute_api:os-availability-zone:detail');
    const { byZone, available, unavailable } = await zones(deps, request);
    const info = available.map((zoneName) => {
      const hosts: Record<string, Record<string, unknown>> = {};
      for (const s of byZone.get(zoneName) ?? []) {
        hosts[s.host] ??= {};
        hosts[s.host]![s.binary] = { available: s.up && !s.forcedDown, active: !s.disabled, updated_at: naive(s.updatedAt ?? s.lastSeenUp) };
      }
      return { zoneName, zoneState: { available: true }, hosts };
    });
    for (const zoneName of unavailable) info.push({ zoneName, zoneState: { available: false }, hosts: {} });
    return { availabilityZoneInfo: info };
  });
}
