/**
 * nova-api-metadata as the CLI runs it, in each deployment mode (docs/metadata.md): the options it
 * takes from the API cell's topology ([neutron] metadata_proxy_shared_secret, else a secret kept in
 * <data_dir>/metadata-proxy-shared-secret; [api] metadata_cache_expiration; the default availability
 * zone), the listen address flag, and what a compute host's drivers need to reach it.
 */
import type { ComputeAPI } from '../actors/api/compute-api.ts';
import {
  computeApiSource, InMemoryPasswordStore, ServerAttrsPasswords, startMetadataServer, type MetadataServer, type PasswordStore, type ServerAttrsStore,
} from '../actors/api/metadata/index.ts';
import type { Clock } from '../runtime/clock/index.ts';
import type { Logger } from '../runtime/log/index.ts';
import type { Rng } from '../runtime/rng/index.ts';
import type { PlanCell, TopologyPlan } from '../topology/plan-types.ts';
import { apiTokenSecret } from './secrets.ts';
import { UsageError } from './usage-error.ts';

/** The proxy secret every compute host and the metadata service share. */
export function metadataSharedSecret(plan: TopologyPlan, cell: PlanCell = plan.cells[0]!): string {
  return cell.nova.neutron.metadata_proxy_shared_secret || plan.cells[0]!.nova.neutron.metadata_proxy_shared_secret
    || apiTokenSecret(plan.dataDir, 'metadata-proxy-shared-secret');
}

/** `host:port` (IPv6 in brackets) as given to --metadata-listen / --listen. */
export function parseMetadataListen(s: string, flag = '--metadata-listen'): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag}: expected host:port, got ${JSON.stringify(s)}`);
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/** A metadata URL given to a compute process (--metadata-url): http only, no credentials or path. */
export function parseMetadataUrl(s: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new UsageError(`--metadata-url: not a URL: ${JSON.stringify(s)}`);
  }
  if (u.protocol !== 'http:' || u.username || u.password || (u.pathname !== '/' && u.pathname !== '')) {
    throw new UsageError(`--metadata-url: expected http://host:port, got ${JSON.stringify(s)}`);
  }
  return u.origin;
}

type Lazy<T> = T | (() => T | undefined);

/**
 * Where posted passwords go: the API database's server attributes when this process has them (up,
 * the API cell's process), else memory (`metadata run`, which has no API database).
 */
function passwordsOver(instances: Lazy<ServerAttrsStore> | undefined): PasswordStore {
  if (instances === undefined) return new InMemoryPasswordStore();
  const store = () => (typeof instances === 'function' ? instances() : instances);
  return {
    get: (uuid) => {
      const s = store();
      return s ? new ServerAttrsPasswords(s).get(uuid) : undefined;
    },
    set: async (uuid, password) => {
      const s = store();
      if (!s) throw new Error('the API database is not open yet');
      await new ServerAttrsPasswords(s).set(uuid, password);
    },
  };
}

/**
 * Start nova-api-metadata over the cells. `computeApi` (and `instances`, the API database's server
 * attributes, where posted passwords are kept) may be getters: `up` starts the service before the
 * cell tree (its compute hosts must know the URL), and the tree's ComputeAPI exists only after.
 */
export async function startPlanMetadata(
  plan: TopologyPlan, computeApi: Lazy<ComputeAPI>,
  o: { clock: Clock; rng: Rng; log: Logger; listen: { host: string; port: number }; instances?: Lazy<ServerAttrsStore> },
): Promise<MetadataServer> {
  const nova = plan.cells[0]!.nova;
  const api = typeof computeApi === 'function' ? computeApi : () => computeApi;
  return startMetadataServer({
    host: o.listen.host, port: o.listen.port, log: o.log, clock: o.clock, rng: o.rng.stream('metadata:request-ids'),
    source: async (uuid, reqId) => {
      const c = api();
      return c ? computeApiSource(c)(uuid, reqId) : undefined;
    },
    sharedSecret: metadataSharedSecret(plan),
    cacheExpirationS: nova.api.metadata_cache_expiration, defaultAvailabilityZone: nova.DEFAULT.default_availability_zone,
    passwords: passwordsOver(o.instances),
  });
}
