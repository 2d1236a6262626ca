/**
 * Compute API v2.1 (with microversions) and the legacy v2 under devstack's /compute prefix. Version
 * documents are served without a token; everything else needs one (keystonemiddleware's 401).
 */
import type { FastifyInstance } from 'fastify';
import { novaMicroversions, registerMicroversions } from '../../../runtime/http/index.ts';
import { requireToken, type Authenticator } from '../identity/index.ts';
import { registerServerActionRoutes } from './actions/index.ts';
import { registerAggregateRoutes } from './aggregates.ts';
import { registerAvailabilityZoneRoutes } from './availability-zones.ts';
import { registerCertificateRoutes } from './certificates.ts';
import type { ComputeDeps } from './deps.ts';
import { registerExtensionRoutes } from './extensions.ts';
import { registerExternalEventRoutes } from './external-events.ts';
import { registerFlavorAccessRoutes } from './flavor-access-routes.ts';
import { registerFlavorExtraSpecRoutes } from './flavor-extra-specs.ts';
import { registerFixedIpRoutes } from './fixed-ips.ts';
import { registerFlavorRoutes } from './flavors.ts';
import { registerHostRoutes } from './hosts.ts';
import { registerHypervisorRoutes } from './hypervisors.ts';
import { registerImageProxyRoutes } from './images.ts';
import { registerInstanceActionRoutes } from './instance-actions.ts';
import { registerInstanceUsageAuditLogRoutes } from './instance-usage-audit-log.ts';
import { registerKeypairRoutes } from './keypairs.ts';
import { registerLimitRoutes } from './limits.ts';
import { registerNetworkRoutes } from './networks.ts';
import { registerQuotaRoutes } from './quotas.ts';
import { registerRemoteConsoleRoutes } from './remote-consoles.ts';
import { registerRemovedRoutes } from './removed.ts';
import { registerSecurityGroupRuleRoutes } from './security-group-rules.ts';
import { registerSecurityGroupRoutes } from './security-groups.ts';
import { registerServerDiagnosticsRoutes } from './server-diagnostics.ts';
import { registerServerExtraRoutes } from './server-extras.ts';
import { registerServerGroupRoutes } from './server-groups.ts';
import { registerServerMetadataRoutes } from './server-metadata.ts';
import { registerServerTagRoutes } from './server-tags.ts';
import { registerServerRoutes } from './servers.ts';
import { registerMigrationRoutes } from './migrations.ts';
import { registerServiceRoutes } from './services.ts';
import { registerUsageRoutes } from './usage.ts';
import { registerLegacyV2 } from './version.ts';
import { versionList, versionShow } from './versions.ts';

export type { ComputeDeps, ComputeSettings, ProjectDirectory } from './deps.ts';
export { DEFAULT_COMPUTE_SETTINGS } from './deps.ts';
export { NodeKeyGenerator } from './keygen.ts';
export type { KeyGenerator, GeneratedKey } from './keygen.ts';

export const COMPUTE_PREFIX = '/compute';

function registerResources(app: FastifyInstance, deps: ComputeDeps): void {
  registerServerRoutes(app, deps);
  registerServerActionRoutes(app, deps);
  registerServerMetadataRoutes(app, deps);
  registerServerTagRoutes(app, deps);
  registerServerExtraRoutes(app, deps);
  registerInstanceActionRoutes(app, deps);
  registerFlavorRoutes(app, deps);
  registerFlavorExtraSpecRoutes(app, deps);
  registerFlavorAccessRoutes(app, deps);
  registerKeypairRoutes(app, deps);
  registerLimitRoutes(app, deps);
  registerQuotaRoutes(app, deps);
  registerAvailabilityZoneRoutes(app, deps);
  registerHypervisorRoutes(app, deps);
  registerServiceRoutes(app, deps);
  registerHostRoutes(app, deps);
  registerAggregateRoutes(app, deps);
  registerServerGroupRoutes(app, deps);
  registerImageProxyRoutes(app, deps);
  registerUsageRoutes(app, deps);
  registerExternalEventRoutes(app, deps);
  registerExtensionRoutes(app);
  registerRemoteConsoleRoutes(app, deps);
  registerCertificateRoutes(app, deps);
  // The nova-network era APIs over the built-in flat network, and what Nova removed (410).
  registerSecurityGroupRoutes(app, deps);
  registerSecurityGroupRuleRoutes(app, deps);
  registerNetworkRoutes(app, deps);
  registerFixedIpRoutes(app, deps);
  registerInstanceUsageAuditLogRoutes(app, deps);
  registerServerDiagnosticsRoutes(app, deps);
  registerRemovedRoutes(app);
  registerMigrationRoutes(app, deps);
}

export interface MountComputeOptions {
  /** Where keystonemiddleware's 401 tells clients to authenticate. */
  authUri?: string;
}

export async function mountCompute(app: FastifyInstance, deps: ComputeDeps, auth: Authenticator, opts: MountComputeOptions = {}): Promise<void> {
  app.get(COMPUTE_PREFIX, async (request) => versionList(request, deps));
  const guarded = async (scope: FastifyInstance) => {
    scope.addHook('preHandler', requireToken(auth, { wwwAuthenticateUri: opts.authUri }));
    registerResources(scope, deps);
  };
  await app.register(async (v21) => {
    registerMicroversions(v21, novaMicroversions(deps.settings.maxMicroversion));
    v21.get('/', async (request) => versionShow(request, deps, 'v2.1'));
    await v21.register(guarded);
  }, { prefix: `${COMPUTE_PREFIX}/v2.1` });
  await app.register(async (v2) => {
    registerLegacyV2(v2);
    v2.get('/', async (request) => versionShow(request, deps, 'v2.0'));
    await v2.register(guarded);
  }, { prefix: `${COMPUTE_PREFIX}/v2` });
}
