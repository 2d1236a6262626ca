/**
 * The Placement API under devstack's /placement, microversions 1.0–1.39: the version document
 * without a token; resource providers (trees, generations), inventories, usages, traits, resource
 * classes, aggregates, allocations, allocation candidates and the reshaper with an admin token.
 * It answers through a PlacementRouter over the leaves' placements (router.ts); with no backend
 * only the version document is served.
 */
import type { FastifyInstance } from 'fastify';
import { APIVersion, installJsonBodyParsers, registerMicroversions } from '../../../runtime/http/index.ts';
import { authOf, requireToken, type Authenticator } from '../identity/index.ts';
import type { PlacementBackend } from './backend.ts';
import { installPlacementErrors, PLACEMENT_MAX_VERSION, PLACEMENT_MIN_VERSION } from './http.ts';
import { PlacementRouter } from './router.ts';
import { registerProviderRoutes } from './routes-providers.ts';
import { registerNameRoutes } from './routes-names.ts';
import { registerAllocationRoutes } from './routes-allocations.ts';

export { PlacementRouter } from './router.ts';
export { LocalPlacementBackend, type PlacementBackend, type LeafReply } from './backend.ts';
export { PLACEMENT_MAX_VERSION } from './http.ts';

export const PLACEMENT_PREFIX = '/placement';

export interface PlacementMountOptions {
  backend: PlacementBackend;
  auth: Authenticator;
  /** Uuids for providers created without one (the API's rng stream). */
  newUuid: () => string;
  authUri?: string;
}

const versionDocument = () => ({
  versions: [{ id: 'v1.0', max_version: PLACEMENT_MAX_VERSION, min_version: PLACEMENT_MIN_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
});

export async function mountPlacement(app: FastifyInstance, o?: PlacementMountOptions): Promise<void> {
  if (!o) {
    app.get(PLACEMENT_PREFIX, async () => versionDocument());
    return;
  }
  const router = new PlacementRouter(o.backend);
  await app.register(async (placement) => {
    installPlacementErrors(placement);
    installJsonBodyParsers(placement, ['application/json']);
    registerMicroversions(placement, { serviceType: 'placement', min: APIVersion.parse(PLACEMENT_MIN_VERSION), max: APIVersion.parse(PLACEMENT_MAX_VERSION) });
    placement.get('/', async () => versionDocument());
    await placement.register(async (api) => {
      api.addHook('preHandler', requireToken(o.auth, { wwwAuthenticateUri: o.authUri }));
      registerProviderRoutes(api, router, o.newUuid);
      registerNameRoutes(api, router);
      registerAllocationRoutes(api, router, (r) => {
        const a = authOf(r);
        return { projectId: a.projectId ?? '', userId: a.userId };
      });
    });
  }, { prefix: PLACEMENT_PREFIX });
}
