/**
 * Mounts Keystone v3 on an HTTP server under a prefix (devstack's `/identity`), with Keystone's own
 * error bodies for everything under it, 401s included (`WWW-Authenticate: Keystone uri=...`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installFaultHandling } from '../../../runtime/http/index.ts';
import { renderKeystoneFault } from './errors.ts';
import { registerAuthRoutes, type IdentityUrls } from './routes-auth.ts';
import { registerCredentialRoutes } from './routes-credentials.ts';
import { registerResourceRoutes } from './routes-resources.ts';
import type { IdentityService } from './service.ts';

export const DEFAULT_IDENTITY_PREFIX = '/identity';

function identityUrls(service: IdentityService, prefix: string): IdentityUrls {
  const root = (request: FastifyRequest): string => service.publicUrl ?? `${request.protocol}://${request.host}${prefix}`;
  const v3 = (request: FastifyRequest): string => `${root(request)}/v3`;
  return {
    root,
    v3,
    self: (request) => {
      const path = request.url.slice(prefix.length).split('?')[0]!.replace(/^\/v3/, '').replace(/\/+$/, '');
      const qs = request.url.includes('?') ? `?${request.url.split('?').slice(1).join('?')}` : '';
      return `${v3(request)}${path}${qs}`;
    },
  };
}

/** Register the identity API on `app` under `prefix` (default /identity). */
export async function mountIdentity(app: FastifyInstance, service: IdentityService, prefix = DEFAULT_IDENTITY_PREFIX): Promise<void> {
  const urls = identityUrls(service, prefix);
  await app.register(async (identity) => {
    installFaultHandling(identity, {
      render: renderKeystoneFault,
      notFoundMessage:
        'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
      methodNotAllowedMessage: () => 'The method is not allowed for the requested URL.',
    });
    identity.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode === 401) reply.header('WWW-Authenticate', `Keystone uri="${urls.v3(request)}"`);
      return payload;
    });
    registerAuthRoutes(identity, service, urls);
    registerResourceRoutes(identity, service, urls);
    registerCredentialRoutes(identity, service, urls);
  }, { prefix });
}
