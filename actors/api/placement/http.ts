/**
 * Placement's HTTP conventions for our routes: its error body
 * `{"errors": [{"status", "title", "detail", "code", "request_id"}]}` (406 adds min/max_version),
 * 404 for a route below the microversion that introduced it, admin-only policy, body validation
 * with zod, and strict query strings (an unknown parameter is 400, as placement's schemas say).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { classifyError, InvalidGlobalAPIVersion, microversionOf, statusTitle, type APIVersion } from '../../../runtime/http/index.ts';
import { PlacementError } from '../../placement/index.ts';
import { authOf } from '../identity/index.ts';
import { isRecord } from '../guards.ts';

export const PLACEMENT_MIN_VERSION = '1.0';
export const PLACEMENT_MAX_VERSION = '1.39';

export function errorBody(request: FastifyRequest, status: number, detail: string, code: string, extra: Record<string, string> = {}) {
  return { errors: [{ status, title: statusTitle(status), detail, code, request_id: request.id, ...extra }] };
}

export function installPlacementErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof PlacementError) {
      return reply.code(err.status).type('application/json').send(errorBody(request, err.status, err.message, err.errorCode));
    }
    if (err instanceof InvalidGlobalAPIVersion) {
      const asked = /Version (\S+) /.exec(err.message)?.[1] ?? '';
      return reply.code(406).type('application/json').send(errorBody(request, 406, `Unacceptable version header: ${asked}`, 'placement.undefined_code', {
        max_version: PLACEMENT_MAX_VERSION, min_version: PLACEMENT_MIN_VERSION,
      }));
    }
    const f = classifyError(err);
    if (f.unexpected) request.log.error({ err }, 'unexpected exception in placement %s %s', request.method, request.url);
    for (const [k, v] of Object.entries(f.headers)) reply.header(k, v);
    return reply.code(f.status).type('application/json').send(errorBody(request, f.status, f.message, 'placement.undefined_code'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).type('application/json').send(errorBody(request, 404, 'The resource could not be found.', 'placement.undefined_code'));
  });
}

export function mv(request: FastifyRequest): APIVersion {
  return microversionOf(request);
}

/** A route that exists only from `min` on: below it placement answers 404 (or 405 for a new method). */
export function since(request: FastifyRequest, min: string, status = 404): void {
  if (mv(request).lt(min)) {
    throw new PlacementError(status, status === 405 ? `The method specified is not allowed for this resource.` : 'The resource could not be found.');
  }
}

/** Placement's default policy: every API is admin-only (role:admin, or the service role). */
export function requireAdmin(request: FastifyRequest, rule: string): void {
  const a = authOf(request);
  if (a.isAdmin || a.roles.includes('service')) return;
  throw new PlacementError(403, `Policy does not allow ${rule} to be performed.`, 'placement.undefined_code');
}

/** Validate a JSON body against a schema (placement's "JSON does not validate" 400). */
export function body<S extends z.ZodType>(schema: S, request: FastifyRequest): z.infer<S> {
  const r = schema.safeParse(request.body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new PlacementError(400, `JSON does not validate: ${where}${issue.message}`);
  }
  return r.data;
}

/** A query string as fastify parses it: each name's value, or its values when repeated. */
export type PlacementQuery = Readonly<Record<string, string | string[] | undefined>>;

/** `request.query` with the type it has (anything but strings and lists of them left out). */
export function queryOf(request: FastifyRequest): PlacementQuery {
  const q: unknown = request.query;
  if (!isRecord(q)) return {};
  // fromEntries defines each name as an own property, `__proto__` included, as the parsed query has it.
  return Object.fromEntries(Object.entries(q).flatMap(([k, v]): Array<[string, string | string[]]> => {
    if (typeof v === 'string') return [[k, v]];
    if (Array.isArray(v)) return [[k, v.filter((x): x is string => typeof x === 'string')]];
    return [];
  }));
}

/** The query string as placement reads it: each name once (the last value), unknown names refused. */
export function query(request: FastifyRequest, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const q = queryOf(request);
  for (const name of Object.keys(q)) {
    if (!allowed.includes(name)) throw new PlacementError(400, `Invalid query string parameters: Additional properties are not allowed ('${name}' was unexpected)`);
    const v = q[name];
    out.set(name, Array.isArray(v) ? v.at(-1)! : v ?? '');
  }
  return out;
}

/** Every value of a repeatable query parameter (member_of, required). */
export function queryAll(request: FastifyRequest, name: string): string[] {
  const q = queryOf(request);
  if (!Object.hasOwn(q, name)) return [];
  const v = q[name];
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

export const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** A uuid from a path or query: 400 unless it is one (placement's format: uuid). */
export function uuidParam(v: string, what = 'uuid'): string {
  if (!UUID_RE.test(v)) throw new PlacementError(400, `Malformed ${what}: '${v}' is not a 'uuid'`);
  return canonicalUuid(v);
}

export function canonicalUuid(v: string): string {
  const h = v.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
