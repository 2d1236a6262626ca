/**
 * Keystone's credential APIs: /v3/users/{user_id}/credentials/OS-EC2 (what `openstack ec2 credentials
 * create/list/show/delete` call, keystone/api/users.py) and /v3/credentials (the generic form,
 * keystone/api/credentials.py), for type "ec2". Policy as Keystone's defaults: an admin may do
 * anything; a user only with their own credentials. Access and secret come from the operating
 * system's CSPRNG, not the seeded streams: a guessable secret would be no secret.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ownProperty } from '../../../runtime/http/index.ts';
import { asEc2, ec2CredentialId, type Credential, type Ec2Credential } from './credentials.ts';
import { KeystoneConflict, KeystoneForbidden, KeystoneNotFound, KeystoneValidationError } from './errors.ts';
import { collection } from './render.ts';
import { callerOf, type IdentityUrls } from './routes-auth.ts';
import type { IdentityService } from './service.ts';
import type { AuthContext } from './types.ts';

function ec2Json(c: Ec2Credential, v3: string): Record<string, unknown> {
  return {
    user_id: c.userId, tenant_id: c.projectId, access: c.access, secret: c.secret, trust_id: c.trustId,
    app_cred_id: null, access_token_id: null,
    links: { self: `${v3}/users/${c.userId}/credentials/OS-EC2/${c.access}` },
  };
}

function credentialJson(c: Credential, v3: string): Record<string, unknown> {
  return { id: c.id, user_id: c.userId, project_id: c.projectId, type: c.type, blob: c.blob, links: { self: `${v3}/credentials/${c.id}` } };
}

function ownerOrAdmin(caller: AuthContext, userId: string): void {
  if (!caller.isAdmin && caller.userId !== userId) throw new KeystoneForbidden();
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `'${issue.path.join('.')}'` : 'the request body';
    throw new KeystoneValidationError(`Invalid input for field ${where}: ${issue.message}`);
  }
  return r.data;
}

const ec2CreateBody = z.object({ tenant_id: z.string().min(1).max(64) }).passthrough();
const ec2Blob = z.object({ access: z.string().min(1).max(255), secret: z.string().min(1).max(255).optional(), trust_id: z.string().nullable().optional() }).passthrough();
const credentialBody = z.object({
  credential: z.object({
    type: z.string().min(1).max(255),
    blob: z.string().min(1).max(65535),
    user_id: z.string().min(1).max(64),
    project_id: z.string().min(1).max(64).nullable().optional(),
    id: z.string().optional(),
  }).strict(),
}).strict();

function parseEc2Blob(blob: string): z.infer<typeof ec2Blob> {
  let json: unknown;
  try {
    json = JSON.parse(blob);
  } catch {
    throw new KeystoneValidationError('Invalid blob in credential: it is not JSON.');
  }
  return parse(ec2Blob, json);
}

export function registerCredentialRoutes(app: FastifyInstance, service: IdentityService, urls: IdentityUrls): void {
  const store = service.credentials;
  const dir = service.directory;

  function requireUser(userId: string): void {
    if (!dir.user(userId)) throw new KeystoneNotFound(`Could not find user: ${userId}.`);
  }

  function ec2Of(userId: string, access: string): Ec2Credential {
    const stored = store.get(ec2CredentialId(access));
    const c = stored ? asEc2(stored) : undefined;
    if (!c || c.userId !== userId || c.access !== access) throw new KeystoneNotFound(`Could not find credential: ${ec2CredentialId(access)}.`);
    return c;
  }

  async function createEc2(userId: string, projectId: string, createdAt: number): Promise<Ec2Credential> {
    if (!dir.project(projectId)) throw new KeystoneNotFound(`Could not find project: ${projectId}.`);
    if (!service.mayUseProject(userId, projectId)) throw new KeystoneForbidden(`User ${userId} has no role on project ${projectId}.`);
    const access = randomBytes(16).toString('hex');
    const secret = randomBytes(16).toString('hex');
    const c: Credential = {
      id: ec2CredentialId(access), userId, projectId, type: 'ec2', blob: JSON.stringify({ access, secret, trust_id: null }), createdAt,
    };
    await store.put(c);
    return asEc2(c)!;
  }

  app.post<{ Params: { user_id: string } }>('/v3/users/:user_id/credentials/OS-EC2', async (request, reply) => {
    const caller = await callerOf(service, request);
    const { user_id } = request.params;
    ownerOrAdmin(caller, user_id);
    requireUser(user_id);
    const body = parse(ec2CreateBody, request.body ?? {});
    const c = await createEc2(user_id, body.tenant_id, service.now());
    return reply.code(201).send({ credential: ec2Json(c, urls.v3(request)) });
  });

  app.get<{ Params: { user_id: string } }>('/v3/users/:user_id/credentials/OS-EC2', async (request) => {
    const caller = await callerOf(service, request);
    const { user_id } = request.params;
    ownerOrAdmin(caller, user_id);
    requireUser(user_id);
    const items = store.all().flatMap((c) => {
      const e = c.userId === user_id ? asEc2(c) : undefined;
      return e ? [ec2Json(e, urls.v3(request))] : [];
    });
    return collection('credentials', items, urls.self(request));
  });

  app.get<{ Params: { user_id: string; access: string } }>('/v3/users/:user_id/credentials/OS-EC2/:access', async (request) => {
    const caller = await callerOf(service, request);
    const { user_id, access } = request.params;
    ownerOrAdmin(caller, user_id);
    return { credential: ec2Json(ec2Of(user_id, access), urls.v3(request)) };
  });

  app.delete<{ Params: { user_id: string; access: string } }>('/v3/users/:user_id/credentials/OS-EC2/:access', async (request, reply) => {
    const caller = await callerOf(service, request);
    const { user_id, access } = request.params;
    ownerOrAdmin(caller, user_id);
    await store.delete(ec2Of(user_id, access).id);
    return reply.code(204).send();
  });

  // The generic API, ec2 credentials only.
  function visible(caller: AuthContext, id: string): Credential {
    const c = store.get(id);
    if (!c || (!caller.isAdmin && c.userId !== caller.userId)) throw new KeystoneNotFound(`Could not find credential: ${id}.`);
    return c;
  }

  app.get('/v3/credentials', async (request) => {
    const caller = await callerOf(service, request);
    const want = (k: string): string | undefined => {
      const v = ownProperty(request.query, k);
      return typeof v === 'string' ? v : undefined;
    };
    const items = store.all().filter((c) =>
      (caller.isAdmin || c.userId === caller.userId) &&
      (want('user_id') === undefined || c.userId === want('user_id')) &&
      (want('type') === undefined || c.type === want('type')));
    return collection('credentials', items.map((c) => credentialJson(c, urls.v3(request))), urls.self(request));
  });

  app.post('/v3/credentials', async (request, reply) => {
    const caller = await callerOf(service, request);
    const { credential: b } = parse(credentialBody, request.body ?? {});
    ownerOrAdmin(caller, b.user_id);
    requireUser(b.user_id);
    if (b.type !== 'ec2') throw new KeystoneValidationError(`Credentials of type ${JSON.stringify(b.type)} are not kept here; only type "ec2" is.`);
    if (!b.project_id) throw new KeystoneValidationError('A credential of type ec2 needs a project_id.');
    const blob = parseEc2Blob(b.blob);
    const id = ec2CredentialId(blob.access);
    if (b.id !== undefined && b.id !== id) throw new KeystoneValidationError('The id of an ec2 credential must be the sha256 of its access key.');
    if (store.get(id)) throw new KeystoneConflict(`Conflict occurred attempting to store credential - Duplicate ID, ${id}.`);
    if (!dir.project(b.project_id)) throw new KeystoneNotFound(`Could not find project: ${b.project_id}.`);
    if (!service.mayUseProject(b.user_id, b.project_id)) throw new KeystoneForbidden(`User ${b.user_id} has no role on project ${b.project_id}.`);
    const secret = blob.secret ?? randomBytes(16).toString('hex');
    const c: Credential = {
      id, userId: b.user_id, projectId: b.project_id, type: 'ec2', blob: JSON.stringify({ ...blob, secret, trust_id: blob.trust_id ?? null }),
      createdAt: service.now(),
    };
    await store.put(c);
    return reply.code(201).send({ credential: credentialJson(c, urls.v3(request)) });
  });

  app.get<{ Params: { credential_id: string } }>('/v3/credentials/:credential_id', async (request) => {
    const caller = await callerOf(service, request);
    const { credential_id } = request.params;
    return { credential: credentialJson(visible(caller, credential_id), urls.v3(request)) };
  });

  app.delete<{ Params: { credential_id: string } }>('/v3/credentials/:credential_id', async (request, reply) => {
    const caller = await callerOf(service, request);
    const { credential_id } = request.params;
    await store.delete(visible(caller, credential_id).id);
    return reply.code(204).send();
  });
}
