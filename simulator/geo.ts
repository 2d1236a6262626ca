/**
 * Geography for the network model: great-circle distance between sites and the one-way delay it
 * implies (a fixed same-site delay plus a per-km term for light in fibre and routing detours).
 */
import type { PlanSite } from '../topology/plan-types.ts';
import type { NetworkSpec } from './scenario/schema.ts';

const EARTH_RADIUS_KM = 6371.0088;

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** One-way delay in ms between two sites; sites without coordinates count as the same place. */
export function siteDelayMs(a: PlanSite | null, b: PlanSite | null, net: NetworkSpec): number {
  if (!a || !b) return net.same_site_ms;
  return net.same_site_ms + net.per_km_ms * distanceKm(a, b);
}
