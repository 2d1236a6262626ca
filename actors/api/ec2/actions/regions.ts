/** DescribeRegions and DescribeAvailabilityZones: the one region, and the zones hosts are in (aggregates + default). */
import { knownZones } from '../../compute/zones.ts';
import { Ec2Error } from '../errors.ts';
import { applyFilters, filterTable } from '../params.ts';
import type { Ec2Action } from './types.ts';

export const describeRegions: Ec2Action = async (c) => {
  const names = c.params.list('RegionName');
  for (const n of names) if (n !== c.region) throw new Ec2Error('InvalidParameterValue', `Invalid region: ${n}`);
  type Region = { regionName: string; regionEndpoint: string; optInStatus: string };
  const regions = applyFilters<Region>([{ regionName: c.region, regionEndpoint: c.endpoint, optInStatus: 'opt-in-not-required' }], c.params.filters(), filterTable(new Map([
    ['region-name', (r: Region) => [r.regionName]],
    ['endpoint', (r: Region) => [r.regionEndpoint]],
  ])));
  return { regionInfo: regions };
};

export const describeAvailabilityZones: Ec2Action = async (c) => {
  let zones = [...knownZones(c.deps)].sort();
  const names = c.params.list('ZoneName');
  for (const n of names) if (!zones.includes(n)) throw new Ec2Error('InvalidParameterValue', `The zone '${n}' does not exist.`);
  if (names.length > 0) zones = zones.filter((z) => names.includes(z));
  const items = zones.map((z) => ({
    zoneState: 'available', optInStatus: 'opt-in-not-required', messageSet: [], regionName: c.region, zoneName: z, zoneId: z,
    groupName: c.region, networkBorderGroup: c.region, zoneType: 'availability-zone',
  }));
  const kept = applyFilters(items, c.params.filters(), filterTable(new Map([
    ['zone-name', (z: typeof items[number]) => [z.zoneName]],
    ['state', (z: typeof items[number]) => [z.zoneState]],
    ['region-name', (z: typeof items[number]) => [z.regionName]],
  ])));
  return { availabilityZoneInfo: kept };
};
