/**
 * Keystone's discovery documents and /v3/auth/*: token issue, validation (GET and HEAD), revocation,
 * and the catalog, projects and domains a token may use (keystone/api/discovery.py, auth.py).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeystoneForbidden, KeystoneUnauthorized } from './errors.ts';
import { collection, domainJson, projectJson } from './render.ts';
import type { IdentityService } from './service.ts';
import type { AuthContext } from './types.ts';

/** Where this identity API is, as the client reached it. */
export interface IdentityUrls {
  /** e.g. http://127.0.0.1:8774/identity */
  root(request: FastifyRequest): string;
  /** root + /v3 */
  v3(request: FastifyRequest): string;
  /** The v3 URL of this request itself, query string included (Keystone's `links.self`). */
  self(request: FastifyRequest): string;
}

const V3_MEDIA_TYPE = 'application/vnd.openstack.identity-v3+json';

function v3Version(href: string): Record<string, unknown> {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href }],
    'media-types': [{ base: 'application/json', type: V3_MEDIA_TYPE }],
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The caller of a Keystone API call (X-Auth-Token), or 401. */
export async function callerOf(service: IdentityService, request: FastifyRequest): Promise<AuthContext> {
  const token = header(request, 'x-auth-token');
  if (!token) throw new KeystoneUnauthorized();
  return service.validateToken(token);
}

function hasParam(request: FastifyRequest, name: string): boolean {
  const q = request.query;
  return q !== null && typeof q === 'object' && Object.hasOwn(q, name);
}

export function registerAuthRoutes(app: FastifyInstance, service: IdentityService, urls: IdentityUrls): void {
  app.get('/', async (request, reply) => {
    const href = `${urls.v3(request)}/`;
    return reply.code(300).header('Location', href).send({ versions: { values: [v3Version(href)] } });
  });

  app.get('/v3', async (request) => ({ version: v3Version(`${urls.v3(request)}/`) }));

  app.post('/v3/auth/tokens', async (request, reply) => {
    const issued = await service.authenticate(request.body, request.ip);
    return reply
      .code(201)
      .header('X-Subject-Token', issued.id)
      .send(service.renderToken(issued.payload, !hasParam(request, 'nocatalog')));
  });

  // HEAD /v3/auth/tokens is fastify's automatic HEAD of this route: same status and headers, no body.
  app.get('/v3/auth/tokens', async (request, reply) => {
    const caller = await callerOf(service, request);
    const subjectId = header(request, 'x-subject-token');
    const subject = await service.validateSubjectToken(subjectId);
    if (!service.mayInspectToken(caller, subject.userId)) throw new KeystoneForbidden();
    return reply
      .header('X-Subject-Token', subjectId)
      .send(service.renderToken(subject, !hasParam(request, 'nocatalog')));
  });

  app.delete('/v3/auth/tokens', async (request, reply) => {
    const caller = await callerOf(service, request);
    const subject = await service.validateSubjectToken(header(request, 'x-subject-token'));
    if (!service.mayInspectToken(caller, subject.userId)) throw new KeystoneForbidden();
    await service.revokeToken(subject);
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (request) => {
    const caller = await callerOf(service, request);
    if (!caller.projectId) throw new KeystoneForbidden('A project-scoped token is required to produce a service catalog.');
    return { catalog: service.catalogFor(caller.userId, caller.projectId), links: { self: `${urls.v3(request)}/auth/catalog` } };
  });

  app.get('/v3/auth/projects', async (request) => {
    const caller = await callerOf(service, request);
    const v3 = urls.v3(request);
    return collection('projects', service.directory.projectsOf(caller.userId).map((p) => projectJson(p, v3)), urls.self(request));
  });

  app.get('/v3/auth/domains', async (request) => {
    const caller = await callerOf(service, request);
    const v3 = urls.v3(request);
    return collection('domains', service.directory.domainsOf(caller.userId).map((d) => domainJson(d, v3)), urls.self(request));
  });
}
