/**
 * Keypairs, per user: list (paged from 2.35), show, create (generated server-side until 2.92, when a
 * public key becomes required; the private key is returned once and never kept) or import, delete.
 * Admins may act for another user from 2.10 (`user_id`). Another user's keypair is 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, Conflict, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { Keypair } from '../db/index.ts';
import { callerOf, policyDenied } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { sshPublicKeyFingerprint, x509PublicKeyFingerprint } from './keygen.ts';
import { nextLinks, pageOf, paginate } from './pagination.ts';
import { checkCount } from './quota-usage.ts';
import { novaName, validate } from './validation.ts';
import { isLegacyV2, since } from './version.ts';

type P = { Params: { name: string } };

function naive(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/** The user a request acts for: the caller, or `?user_id=` for an admin at 2.10+. */
function targetUser(request: FastifyRequest, fromBody?: string): string {
  const caller = callerOf(request);
  const asked = fromBody ?? (since(request, '2.10') ? queryValue(request.query, 'user_id') : undefined);
  if (asked === undefined || asked === caller.userId) return caller.userId;
  if (!caller.isAdmin) throw policyDenied('os_compute_api:os-keypairs');
  return asked;
}

function nameSchema(request: FastifyRequest) {
  if (isLegacyV2(request)) return novaName(255, true);
  const pattern = since(request, '2.92') ? /^[_\-@. a-zA-Z0-9]+$/ : /^[_\- a-zA-Z0-9]+$/;
  return novaName(255).pipe(z.string().regex(pattern, 'Keypair name contains unsafe characters'));
}

function createSchema(request: FastifyRequest) {
  const shape: Record<string, z.ZodType> = {
    name: nameSchema(request),
    public_key: since(request, '2.92') ? z.string() : z.string().optional(),
  };
  if (since(request, '2.2')) shape['type'] = z.enum(['ssh', 'x509']).optional();
  if (since(request, '2.10')) shape['user_id'] = z.string().optional();
  return z.object({ keypair: z.object(shape).strict() }).strict();
}

function indexView(request: FastifyRequest, k: Keypair) {
  const out: Record<string, unknown> = { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint };
  if (since(request, '2.2')) out['type'] = k.type;
  return { keypair: out };
}

function showView(request: FastifyRequest, k: Keypair) {
  const out: Record<string, unknown> = {
    name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, user_id: k.userId, created_at: naive(k.createdAt),
    deleted: false, deleted_at: null, id: k.id, updated_at: null,
  };
  if (since(request, '2.2')) out['type'] = k.type;
  return { keypair: out };
}

function find(deps: ComputeDeps, userId: string, name: string): Keypair {
  const k = deps.store.keypairs.get(userId, name);
  if (!k) throw new NotFound(`Keypair ${name} not found for user ${userId}`);
  return k;
}

export function registerKeypairRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/os-keypairs', async (request) => {
    const user = targetUser(request);
    const all = deps.store.keypairs.ofUser(user);
    if (!since(request, '2.35')) return { keypairs: all.map((k) => indexView(request, k)) };
    const page = pageOf(request);
    const items = paginate(all, page, deps.settings.maxLimit, (k) => k.name);
    const links = nextLinks(request, deps, 'os-keypairs', page, items.map((k) => k.name), deps.settings.maxLimit);
    const keypairs = items.map((k) => indexView(request, k));
    return links ? { keypairs, keypairs_links: links } : { keypairs };
  });

  app.get<P>('/os-keypairs/:name', async (request) => showView(request, find(deps, targetUser(request), request.params.name)));

  app.post('/os-keypairs', async (request, reply) => {
    const body = validate(createSchema(request), request.body).keypair as Record<string, string | undefined>;
    const user = targetUser(request, since(request, '2.10') ? body['user_id'] : undefined);
    const name = body['name']!.trim();
    const type = (body['type'] as 'ssh' | 'x509' | undefined) ?? 'ssh';
    checkCount(deps.store.quotas.limits(callerOf(request).projectId), 'key_pairs', deps.store.keypairs.count(user), 1);
    if (deps.store.keypairs.get(user, name)) throw new Conflict(`Key pair '${name}' already exists.`);
    let publicKey: string;
    let fingerprint: string;
    let privateKey: string | undefined;
    if (body['public_key'] !== undefined) {
      publicKey = body['public_key'];
      if (publicKey.trim() === '') throw new BadRequest('Keypair data is invalid: failed to generate fingerprint');
      fingerprint = type === 'x509' ? x509PublicKeyFingerprint(publicKey) : sshPublicKeyFingerprint(publicKey);
    } else {
      const g = await deps.keygen.generate(type, user, deps.clock.now());
      ({ publicKey, fingerprint, privateKey } = g);
    }
    if (deps.store.keypairs.get(user, name)) throw new Conflict(`Key pair '${name}' already exists.`);
    const k = await deps.store.keypairs.create({ userId: user, name, type, publicKey, fingerprint, createdAt: deps.clock.now() });
    const out: Record<string, unknown> = { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, user_id: k.userId };
    if (privateKey !== undefined) out['private_key'] = privateKey;
    if (since(request, '2.2')) out['type'] = k.type;
    return reply.code(since(request, '2.2') ? 201 : 200).send({ keypair: out });
  });

  app.delete<P>('/os-keypairs/:name', async (request, reply) => {
    const k = find(deps, targetUser(request), request.params.name);
    await deps.store.keypairs.delete(k);
    return reply.code(since(request, '2.2') ? 204 : 202).send();
  });
}

