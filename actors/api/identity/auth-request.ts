/**
 * The body of `POST /v3/auth/tokens` (keystone/auth/schema.py), validated and normalised into what
 * authentication needs. Shape errors are 400 with Keystone's "Expecting to find ..." wording.
 */
import { z } from 'zod';
import { KeystoneValidationError } from './errors.ts';

const ref = z.object({ id: z.string().optional(), name: z.string().optional() }).loose();

const schema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()),
      password: z.object({
        user: z.object({
          id: z.string().optional(),
          name: z.string().optional(),
          password: z.string().optional(),
          domain: ref.optional(),
        }).loose(),
      }).loose().optional(),
      token: z.object({ id: z.string() }).loose().optional(),
    }).loose(),
    scope: z.union([
      z.literal('unscoped'),
      z.object({
        project: ref.extend({ domain: ref.optional() }).optional(),
        domain: ref.optional(),
        system: z.unknown().optional(),
        'OS-TRUST:trust': z.unknown().optional(),
      }).loose(),
    ]).optional(),
  }).loose(),
}).loose();

/** A domain named by id or by name. */
export type DomainSelector = { id: string } | { name: string };

export type ScopeRequest =
  | { kind: 'default' }
  | { kind: 'unscoped' }
  | { kind: 'project'; id: string }
  | { kind: 'project'; name: string; domain: DomainSelector }
  | { kind: 'domain'; domain: DomainSelector }
  | { kind: 'unsupported' };

export interface AuthRequest {
  methods: string[];
  password?: { user: { id: string } | { name: string; domain: DomainSelector }; password: string | undefined };
  token?: { id: string };
  scope: ScopeRequest;
}

function expecting(attribute: string, target: string): KeystoneValidationError {
  return new KeystoneValidationError(
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is ` +
    'either malformed or otherwise incorrect. The client is assumed to be in error.',
  );
}

function domainSelector(d: { id?: string | undefined; name?: string | undefined }): DomainSelector {
  if (d.id !== undefined) return { id: d.id };
  if (d.name !== undefined) return { name: d.name };
  throw expecting('id or name', 'domain');
}

type ScopeBody = NonNullable<z.infer<typeof schema>['auth']['scope']>;

function scopeOf(scope: ScopeBody | undefined): ScopeRequest {
  if (scope === undefined) return { kind: 'default' };
  if (scope === 'unscoped') return { kind: 'unscoped' };
  const given = (['project', 'domain', 'system', 'OS-TRUST:trust'] as const).filter((k) => scope[k] !== undefined);
  if (given.length === 0) return { kind: 'default' };
  if (given.length > 1) throw expecting('project, domain, OS-TRUST:trust or system', 'scope');
  if (scope.project) {
    const p = scope.project;
    if (p.id !== undefined) return { kind: 'project', id: p.id };
    if (p.name === undefined) throw expecting('id or name', 'project');
    if (!p.domain) throw expecting('domain', 'project');
    return { kind: 'project', name: p.name, domain: domainSelector(p.domain) };
  }
  if (scope.domain) return { kind: 'domain', domain: domainSelector(scope.domain) };
  return { kind: 'unsupported' };
}

/** Validate and normalise; throws KeystoneValidationError (400). */
export function parseAuthRequest(body: unknown): AuthRequest {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new KeystoneValidationError(`Invalid input for field '${where}': ${issue.message}`);
  }
  const { identity, scope } = parsed.data.auth;
  const out: AuthRequest = { methods: identity.methods, scope: scopeOf(scope) };
  if (identity.methods.includes('password')) {
    if (!identity.password) throw expecting('password', 'identity');
    const u = identity.password.user;
    let user: { id: string } | { name: string; domain: DomainSelector };
    if (u.id !== undefined) user = { id: u.id };
    else if (u.name === undefined) throw expecting('id or name', 'user');
    else if (!u.domain) throw expecting('domain', 'user');
    else user = { name: u.name, domain: domainSelector(u.domain) };
    out.password = { user, password: u.password };
  }
  if (identity.methods.includes('token')) {
    if (!identity.token) throw expecting('token', 'identity');
    out.token = { id: identity.token.id };
  }
  return out;
}
