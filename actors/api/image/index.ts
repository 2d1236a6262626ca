/**
 * Image API v2 (a registry, after Glance) under devstack's /image prefix: the version document
 * without a token, everything under /image/v2 with one. Image bytes, when uploaded, go to a
 * directory of the API cell.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_JSON_CONTENT_TYPES, installJsonBodyParsers } from '../../../runtime/http/index.ts';
import { requireToken, type Authenticator } from '../identity/index.ts';
import { registerImageRoutes, type ImageDeps } from './routes.ts';

export { ImageFiles } from './files.ts';
export type { ImageDeps } from './routes.ts';
export { imageVisibleTo, imageWritableBy } from './policy.ts';

export const IMAGE_PREFIX = '/image';

const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];

function versions(base: string) {
  const v = (id: string, status: string) => ({ id, status, links: [{ rel: 'self', href: `${base}/image/v2/` }] });
  return {
    versions: [
      v('v2.16', 'CURRENT'), v('v2.15', 'SUPPORTED'), v('v2.9', 'SUPPORTED'), v('v2.7', 'SUPPORTED'), v('v2.6', 'SUPPORTED'),
      v('v2.5', 'SUPPORTED'), v('v2.4', 'SUPPORTED'), v('v2.3', 'SUPPORTED'), v('v2.2', 'SUPPORTED'), v('v2.1', 'SUPPORTED'),
      v('v2.0', 'SUPPORTED'),
    ],
  };
}

export async function mountImage(app: FastifyInstance, deps: ImageDeps, auth: Authenticator, opts: { authUri?: string; linkPrefix?: string } = {}): Promise<void> {
  await app.register(async (image) => {
    const base = (r: { protocol: string; host: string }) => opts.linkPrefix ?? `${r.protocol}://${r.host}`;
    // Glance answers its root with 300 Multiple Choices; /versions with 200.
    image.get('/', async (request, reply) => reply.code(300).send(versions(base(request))));
    image.get('/versions', async (request) => versions(base(request)));
    await image.register(async (v2) => {
      installJsonBodyParsers(v2, [...DEFAULT_JSON_CONTENT_TYPES, ...PATCH_TYPES]);
      v2.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, async (_req: unknown, body: Buffer) => body);
      v2.addHook('preHandler', requireToken(auth, { wwwAuthenticateUri: opts.authUri }));
      registerImageRoutes(v2, deps);
    }, { prefix: '/v2' });
  }, { prefix: IMAGE_PREFIX });
}
