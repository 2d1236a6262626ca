/**
 * Token checking for the REST surfaces: `requireToken()` is a fastify preHandler that validates
 * X-Auth-Token through an Authenticator and keeps the caller for `authOf(request)`, as
 * keystonemiddleware's auth_token does in front of Nova. Its 401 is keystonemiddleware's body and
 * `WWW-Authenticate: Keystone uri=...` header, which is what Nova's API answers without a valid token.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Unauthorized } from '../../../runtime/errors/index.ts';
import { HttpError } from '../../../runtime/http/index.ts';
import { AUTH_REQUIRED_MESSAGE } from './errors.ts';
import type { AuthContext, Authenticator } from './types.ts';

const callers = new WeakMap<FastifyRequest, AuthContext>();

/** The caller of a request that went through requireToken(); throws if it did not. */
export function authOf(request: FastifyRequest): AuthContext {
  const ctx = callers.get(request);
  if (!ctx) throw new Error(`no authenticated caller for ${request.method} ${request.url}: route lacks requireToken()`);
  return ctx;
}

/** The caller, if the request was authenticated. */
export function maybeAuthOf(request: FastifyRequest): AuthContext | undefined {
  return callers.get(request);
}

/** Remember the caller of a request (for surfaces that authenticate by other means, and tests). */
export function setAuth(request: FastifyRequest, ctx: AuthContext): void {
  callers.set(request, ctx);
}

export interface RequireTokenOptions {
  /**
   * 'keystonemiddleware' (default): `{"error": {"code": 401, "title": "Unauthorized", "message": ...}}`,
   * what a real Nova behind keystonemiddleware sends. 'nova': `{"unauthorized": {"code": 401, ...}}`.
   */
  unauthorizedBody?: 'keystonemiddleware' | 'nova';
  /** Where to authenticate, for `WWW-Authenticate: Keystone uri="..."` (keystonemiddleware's www_authenticate_uri). */
  wwwAuthenticateUri?: string | ((request: FastifyRequest) => string);
}

function reject(request: FastifyRequest, reply: FastifyReply, opts: RequireTokenOptions): FastifyReply {
  const uri = typeof opts.wwwAuthenticateUri === 'function' ? opts.wwwAuthenticateUri(request) : opts.wwwAuthenticateUri;
  if (uri !== undefined) reply.header('WWW-Authenticate', `Keystone uri="${uri}"`);
  if (opts.unauthorizedBody === 'nova') throw new Unauthorized(AUTH_REQUIRED_MESSAGE);
  return reply
    .code(401)
    .type('application/json; charset=UTF-8')
    .send({ error: { code: 401, title: 'Unauthorized', message: AUTH_REQUIRED_MESSAGE } });
}

function isUnauthorized(err: unknown): boolean {
  return (err instanceof HttpError && err.status === 401) || err instanceof Unauthorized;
}

/** A preHandler that lets a request through only with a valid X-Auth-Token. */
export function requireToken(authenticator: Authenticator, opts: RequireTokenOptions = {}): preHandlerAsyncHookHandler {
  return async function checkToken(request: FastifyRequest, reply: FastifyReply) {
    const raw = request.headers['x-auth-token'];
    const token = Array.isArray(raw) ? raw[0] : raw;
    if (!token) return reject(request, reply, opts);
    try {
      callers.set(request, await authenticator.validateToken(token));
    } catch (err) {
      // Only "not authenticated" is a 401; a broken revocation store is a 500, not a silent denial.
      if (isUnauthorized(err)) return reject(request, reply, opts);
      throw err;
    }
    return undefined;
  };
}
