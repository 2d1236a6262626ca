/**
 * The microversion a compute request runs at. /compute/v2.1 negotiates it from the headers;
 * /compute/v2 (the legacy v2.0 API) always runs at 2.1 and ignores them, as Nova's legacy v2 does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { APIVersion, microversionOf } from '../../../runtime/http/index.ts';

const LEGACY = new APIVersion(2, 1);
const legacy = new WeakSet<FastifyRequest>();

/** Mark every request of this context as legacy v2.0. */
export function registerLegacyV2(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    legacy.add(request);
  });
}

export function versionOf(request: FastifyRequest): APIVersion {
  return legacy.has(request) ? LEGACY : microversionOf(request);
}

/** Is the request at `min` or later (Nova's api_version_request.is_supported)? */
export function since(request: FastifyRequest, min: string): boolean {
  return versionOf(request).ge(min);
}

/** Is the request within [min, max]? */
export function within(request: FastifyRequest, min: string, max: string): boolean {
  return versionOf(request).matches(min, max);
}

/** Did the request come in on the legacy /compute/v2 (v2.0) API? */
export function isLegacyV2(request: FastifyRequest): boolean {
  return legacy.has(request);
}
