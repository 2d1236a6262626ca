/**
 * Availability zones, as Nova derives them: a host's zone is the zone of an aggregate it belongs to,
 * else `default_availability_zone`; services other than nova-compute sit in
 * `internal_service_availability_zone`. Zones exist only through aggregates and hosts.
 */
import type { ServiceView } from '../compute-api.ts';
import type { ComputeDeps } from './deps.ts';

export function zoneOfHost(deps: ComputeDeps, host: string): string {
  return deps.store.aggregates.zoneOf(host) ?? deps.settings.defaultAvailabilityZone;
}

/** The zone a service is listed in. */
export function zoneOfService(deps: ComputeDeps, s: ServiceView): string {
  return s.binary === 'nova-compute' ? zoneOfHost(deps, s.host) : deps.settings.internalServiceAvailabilityZone;
}

/** Zones a server may ask for: the default and every zone an aggregate names. */
export function knownZones(deps: ComputeDeps): Set<string> {
  const zones = new Set([deps.settings.defaultAvailabilityZone]);
  for (const a of deps.store.aggregates.all()) if (a.availabilityZone) zones.add(a.availabilityZone);
  return zones;
}
