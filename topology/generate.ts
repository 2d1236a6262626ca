/**
 * generateTopology: large synthetic deployments for the simulator and benchmarks, without writing YAML.
 * The tree is api → region → site → leaf cells, hosts named by range per leaf, one availability zone per
 * site. Deterministic: the same options always give the same topology (no randomness at all).
 */
import type { DriverOptions, DriverName, Topology, TopologyInput } from './schema.ts';
import type { z } from 'zod';
import type { novaOptionsSchema } from './nova-options.ts';
import { validateTopology } from './load.ts';

export interface GenerateOptions {
  name?: string;
  regions?: number;
  sitesPerRegion?: number;
  cellsPerSite?: number;
  hostsPerCell?: number;
  host?: { vcpus?: number; memory_mb?: number; disk_gb?: number; driver?: DriverName; driver_options?: DriverOptions };
  /** Nova options of the API cell (inherited by every cell). */
  nova?: z.input<typeof novaOptionsSchema>;
  /** Default 1883; 0 lets the system pick each embedded broker's port. */
  brokerBasePort?: number;
  /** Top-level fields to replace (flavors, images, projects, users, aggregates, ...). */
  extra?: Partial<TopologyInput>;
}

/** Nova's classic flavors, with DevStack's ids. */
export const STANDARD_FLAVORS = [
  { name: 'm1.tiny', id: '1', vcpus: 1, ram: 512, disk: 1 },
  { name: 'm1.small', id: '2', vcpus: 1, ram: 2048, disk: 20 },
  { name: 'm1.medium', id: '3', vcpus: 2, ram: 4096, disk: 40 },
  { name: 'm1.large', id: '4', vcpus: 4, ram: 8192, disk: 80 },
  { name: 'm1.xlarge', id: '5', vcpus: 8, ram: 16384, disk: 160 },
];

/** Real cities, cycled, so generated sites land on a plausible map. */
const CITIES: readonly [number, number][] = [
  [50.11, 8.68], [52.37, 4.9], [51.51, -0.13], [48.86, 2.35], [59.33, 18.07], [40.42, -3.7],
  [38.95, -77.45], [37.77, -122.42], [41.88, -87.63], [32.78, -96.8], [45.5, -73.57], [47.61, -122.33],
  [35.68, 139.69], [1.35, 103.82], [-33.87, 151.21], [19.08, 72.88], [37.57, 126.98], [22.32, 114.17],
  [-23.55, -46.63], [-34.6, -58.38], [-26.2, 28.05], [25.2, 55.27], [55.76, 37.62], [43.65, -79.38],
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function generateTopology(o: GenerateOptions = {}): Topology {
  const regions = o.regions ?? 3;
  const sitesPerRegion = o.sitesPerRegion ?? 2;
  const cellsPerSite = o.cellsPerSite ?? 2;
  const hostsPerCell = o.hostsPerCell ?? 50;
  const width = Math.max(3, String(hostsPerCell).length);
  const driver: DriverName = 'fake';
  const host = { vcpus: 32, memory_mb: 131072, disk_gb: 1000, driver, ...o.host };

  const regionDefs: NonNullable<TopologyInput['regions']> = {};
  const regionCells = [];
  let siteIndex = 0;
  for (let r = 1; r <= regions; r++) {
    const sites: Record<string, { lat: number; lon: number }> = {};
    const siteCells = [];
    for (let s = 1; s <= sitesPerRegion; s++, siteIndex++) {
      const [lat, lon] = CITIES[siteIndex % CITIES.length]!;
      // Later laps round the city list are nudged north so no two sites coincide.
      const lap = Math.floor(siteIndex / CITIES.length);
      sites[`s${s}`] = { lat: Math.min(90, lat + lap * 0.1), lon };
      const leaves = [];
      for (let c = 1; c <= cellsPerSite; c++) {
        const hosts = hostsPerCell > 0
          ? [{ ...host, names: `r${r}s${s}c${c}-compute[${pad(1, width)}:${pad(hostsPerCell, width)}]`, availability_zone: `r${r}-s${s}` }]
          : [];
        leaves.push({ name: `c${c}`, hosts });
      }
      siteCells.push({ name: `s${s}`, site: `r${r}/s${s}`, children: leaves });
    }
    regionDefs[`r${r}`] = { sites };
    regionCells.push({ name: `r${r}`, site: `r${r}/s1`, children: siteCells });
  }

  const input: TopologyInput = {
    name: o.name ?? 'synthetic',
    broker_base_port: o.brokerBasePort ?? 1883,
    regions: regionDefs,
    cell: { name: 'api', site: regions > 0 && sitesPerRegion > 0 ? 'r1/s1' : undefined, nova: o.nova ?? {}, children: regionCells },
    flavors: STANDARD_FLAVORS,
    images: [{ name: 'cirros-0.6.2-x86_64-disk', disk_format: 'qcow2', container_format: 'bare', min_disk: 1, min_ram: 0 }],
    projects: [{ name: 'admin' }, { name: 'demo' }],
    users: [
      { name: 'admin', password: 'secretadmin', project: 'admin', roles: ['admin'] },
      { name: 'demo', password: 'secretdemo', project: 'demo', roles: ['member'] },
    ],
    defaults: { flavor: 'm1.small', image: 'cirros-0.6.2-x86_64-disk' },
    ...o.extra,
  };
  return validateTopology(input, '<generated>');
}
