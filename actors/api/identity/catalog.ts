/**
 * The service catalog, in Keystone v3's shape: services with endpoints that carry both `region` and
 * `region_id` (Tempest reads `region`, the CLI `region_id`). `devstackCatalog` lays out the services
 * the API cell serves under one public URL as devstack does: /compute/v2.1, /image, /identity,
 * /placement, and the EC2 query API at /ec2.
 */
import { createHash } from 'node:crypto';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CatalogEndpointInput {
  interface: EndpointInterface;
  /** May contain Keystone's `$(project_id)s` / `%(project_id)s` (or tenant_id) substitutions. */
  url: string;
  /** Defaults to the catalog's region. */
  region?: string;
  id?: string;
}

export interface CatalogServiceInput {
  type: string;
  name: string;
  id?: string;
  endpoints: CatalogEndpointInput[];
}

/** A fixed catalog, or one computed when a token is rendered (e.g. once the listening port is known). */
export type CatalogSource = readonly CatalogServiceInput[] | (() => readonly CatalogServiceInput[]);

export interface CatalogEndpoint {
  id: string;
  interface: EndpointInterface;
  region_id: string;
  url: string;
  region: string;
}

export interface CatalogService {
  endpoints: CatalogEndpoint[];
  id: string;
  type: string;
  name: string;
}

export const DEFAULT_REGION = 'RegionOne';

function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export interface DevstackCatalogOptions {
  /** Default RegionOne. */
  regionName?: string;
  /** Interfaces to publish for each service (default public only: Tempest and the CLI use public). */
  interfaces?: readonly EndpointInterface[];
}

/** Devstack's URL layout under one public base URL (e.g. http://127.0.0.1:8774). */
export function devstackCatalog(publicBaseUrl: string, opts: DevstackCatalogOptions = {}): CatalogServiceInput[] {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const region = opts.regionName ?? DEFAULT_REGION;
  const interfaces = opts.interfaces ?? ['public'];
  const svc = (type: string, name: string, path: string): CatalogServiceInput => ({
    type, name, endpoints: interfaces.map((i) => ({ interface: i, url: `${base}${path}`, region })),
  });
  return [
    svc('compute', 'nova', '/compute/v2.1'),
    svc('image', 'glance', '/image'),
    svc('identity', 'keystone', '/identity'),
    svc('placement', 'placement', '/placement'),
    svc('ec2', 'ec2', '/ec2'),
  ];
}

export function resolveCatalog(source: CatalogSource): readonly CatalogServiceInput[] {
  return typeof source === 'function' ? source() : source;
}

const SUBSTITUTION = /[$%]\((project_id|tenant_id|user_id)\)s/g;

/**
 * The catalog as it goes into a token. An endpoint whose URL needs a project id is left out of a
 * token without one, as Keystone does for domain-scoped tokens.
 */
export function renderCatalog(
  services: readonly CatalogServiceInput[],
  who: { userId: string; projectId: string | undefined },
  defaultRegion = DEFAULT_REGION,
): CatalogService[] {
  return services.map((s) => {
    const serviceId = s.id ?? stableId('service', s.type, s.name);
    const endpoints: CatalogEndpoint[] = [];
    for (const e of s.endpoints) {
      let missing = false;
      const url = e.url.replace(SUBSTITUTION, (_m, key: string) => {
        const v = key === 'user_id' ? who.userId : who.projectId;
        if (v === undefined) missing = true;
        return v ?? '';
      });
      if (missing) continue;
      const region = e.region ?? defaultRegion;
      endpoints.push({ id: e.id ?? stableId('endpoint', serviceId, e.interface, e.url), interface: e.interface, region_id: region, url, region });
    }
    return { endpoints, id: serviceId, type: s.type, name: s.name };
  });
}
