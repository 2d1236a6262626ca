/**
 * Per-request helpers for the compute routes: who is calling (from the validated token), the
 * RequestContext the ComputeAPI facade takes, Nova's default policy (admin-only APIs refuse others
 * with 403; a project only sees its own resources, and another project's are 404 as in Nova), and
 * where links point.
 */
import type { FastifyRequest } from 'fastify';
import { Forbidden } from '../../../runtime/errors/index.ts';
import { authOf, type AuthContext } from '../identity/index.ts';
import type { RequestContext } from '../compute-api.ts';
import type { CheckString, ComputeDeps } from './deps.ts';

export interface Caller extends AuthContext {
  /** The token's project (tokens without one are refused before this). */
  projectId: string;
}

export function callerOf(request: FastifyRequest): Caller {
  const auth = authOf(request);
  if (!auth.projectId) throw new Forbidden('A project-scoped token is required.');
  return auth as Caller;
}

export function contextOf(request: FastifyRequest): RequestContext {
  const c = callerOf(request);
  return { projectId: c.projectId, userId: c.userId, reqId: request.id, isAdmin: c.isAdmin };
}

/** Nova's message when a policy rule refuses an action. */
export function policyDenied(rule: string): Forbidden {
  return new Forbidden(`Policy doesn't allow ${rule} to be performed.`);
}

/** A configurable rule (an oslo.policy check string) applied to the caller. */
export function policyAllows(rule: CheckString, c: Pick<Caller, 'isAdmin'>): boolean {
  if (rule === '@') return true;
  if (rule === '!') return false;
  return c.isAdmin;
}

/** Admin-only rules (Nova's default "role:admin" / ADMIN). */
export function requireAdmin(request: FastifyRequest, rule: string): Caller {
  const c = callerOf(request);
  if (!c.isAdmin) throw policyDenied(rule);
  return c;
}

/** scheme://host the client used, or the configured prefix. */
export function hostUrl(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix'>): string {
  if (deps.linkPrefix) return deps.linkPrefix.replace(/\/+$/, '');
  return `${request.protocol}://${request.host}`;
}

/** http://host/compute/v2.1 or /compute/v2, whichever the request came in on. */
export function versionedUrl(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix'>): string {
  const v2 = request.url.startsWith('/compute/v2/') || request.url === '/compute/v2';
  return `${hostUrl(request, deps)}/compute/${v2 ? 'v2' : 'v2.1'}`;
}

/** The self + bookmark links Nova gives every resource. */
export function resourceLinks(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix'>, collection: string, id: string | number) {
  return [
    { rel: 'self', href: `${versionedUrl(request, deps)}/${collection}/${id}` },
    { rel: 'bookmark', href: `${hostUrl(request, deps)}/compute/${collection}/${id}` },
  ];
}

/** Only the bookmark (what a server shows for its image and flavor). */
export function bookmarkLinks(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix'>, collection: string, id: string) {
  return [{ rel: 'bookmark', href: `${hostUrl(request, deps)}/compute/${collection}/${id}` }];
}
