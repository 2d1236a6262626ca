/**
 * nova-api-metadata: answers a guest's GETs of its metadata trees. Like Nova behind Neutron's
 * metadata proxy, it learns who asks from X-Instance-ID and X-Tenant-ID, trusted only with a valid
 * X-Instance-ID-Signature (hex HMAC-SHA256 of the instance id under [neutron]
 * metadata_proxy_shared_secret); a bad signature is 403. The instance comes from the cells (a
 * MetadataSource port) and is cached for [api] metadata_cache_expiration seconds on the Clock.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../runtime/clock/index.ts';
import type { InstanceRecord } from '../../conductor/records.ts';
import { buildInstanceMetadata, type InstanceMetadata } from './content.ts';
import { lookupMetadata } from './tree.ts';

/** Where the service reads an instance (the cells, through the ComputeAPI); undefined when there is none. */
export type MetadataSource = (uuid: string, reqId: string) => Promise<InstanceRecord | undefined>;

/** The one-time guest password (POST /openstack/latest/password). */
export interface PasswordStore {
  get(uuid: string): string | undefined;
  set(uuid: string, password: string): Promise<void>;
}

export class InMemoryPasswordStore implements PasswordStore {
  private readonly map = new Map<string, string>();
  get(uuid: string): string | undefined {
    return this.map.get(uuid);
  }
  async set(uuid: string, password: string): Promise<void> {
    this.map.set(uuid, password);
  }
}

/** What the proxy puts in X-Instance-ID-Signature. */
export function instanceIdSignature(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex');
}

export interface MetadataServiceOptions {
  source: MetadataSource;
  clock: Clock;
  /** [neutron] metadata_proxy_shared_secret. */
  sharedSecret: string;
  /** [api] metadata_cache_expiration (seconds; 0 turns the cache off). */
  cacheExpirationS: number;
  defaultAvailabilityZone: string;
  passwords?: PasswordStore;
}

/** Nova limits the posted password to 256 bytes. */
const MAX_PASSWORD = 256;

class HttpStatus extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class MetadataService {
  private readonly cache = new Map<string, { md: InstanceMetadata; until: number }>();
  private readonly passwords: PasswordStore;

  constructor(private readonly o: MetadataServiceOptions) {
    if (o.sharedSecret === '') throw new Error('metadata: [neutron] metadata_proxy_shared_secret is empty');
    this.passwords = o.passwords ?? new InMemoryPasswordStore();
  }

  /** The instance a signed request names; 400 without the headers, 403 for a bad signature, 404 for another tenant's. */
  async instanceFor(request: FastifyRequest): Promise<InstanceMetadata> {
    const id = header(request, 'x-instance-id');
    const tenant = header(request, 'x-tenant-id');
    const sig = header(request, 'x-instance-id-signature') ?? '';
    if (!id) throw new HttpStatus(400, 'X-Instance-ID header is missing from request.');
    if (!tenant) throw new HttpStatus(400, 'X-Tenant-ID header is missing from request.');
    const expected = Buffer.from(instanceIdSignature(this.o.sharedSecret, id), 'hex');
    const given = /^[0-9a-f]{64}$/i.test(sig) ? Buffer.from(sig, 'hex') : Buffer.alloc(32);
    if (!timingSafeEqual(expected, given) || !/^[0-9a-f]{64}$/i.test(sig)) throw new HttpStatus(403, 'Invalid proxy request signature.');
    const md = await this.load(id, request.id);
    if (!md || md.projectId !== tenant) throw new HttpStatus(404, 'The resource could not be found.');
    return md;
  }

  private async load(uuid: string, reqId: string): Promise<InstanceMetadata | undefined> {
    const now = this.o.clock.now();
    const hit = this.cache.get(uuid);
    if (hit && hit.until > now) return hit.md;
    const inst = await this.o.source(uuid, reqId);
    if (!inst || inst.deleted) {
      this.cache.delete(uuid);
      return undefined;
    }
    // random_seed is key material for the guest's entropy pool: from the OS CSPRNG, never a seeded stream.
    const md = buildInstanceMetadata(inst, { defaultAvailabilityZone: this.o.defaultAvailabilityZone, randomSeed: randomBytes(512) });
    if (this.o.cacheExpirationS > 0) this.cache.set(uuid, { md, until: now + this.o.cacheExpirationS * 1000 });
    return md;
  }

  /** Register the routes on a server of their own (Nova's metadata listens apart from the API). */
  register(app: FastifyInstance): void {
    const fail = (reply: FastifyReply, e: unknown) => {
      if (e instanceof HttpStatus) return reply.code(e.status).type('text/plain; charset=UTF-8').send(`${e.status} ${e.message}`);
      throw e;
    };
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.get('/*', async (request, reply) => {
      try {
        const md = await this.instanceFor(request);
        const path = (request.raw.url ?? '/').split('?')[0]!;
        const a = lookupMetadata(md, path, this.passwords.get(md.uuid));
        if (!a) throw new HttpStatus(404, 'The resource could not be found.');
        return reply.code(200).type(a.contentType).send(a.body);
      } catch (e) {
        return fail(reply, e);
      }
    });
    app.post('/openstack/:version/password', async (request, reply) => {
      try {
        const md = await this.instanceFor(request);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        if (body.length > MAX_PASSWORD) throw new HttpStatus(400, 'Request is too large.');
        if (this.passwords.get(md.uuid)) throw new HttpStatus(409, 'Password already set.');
        await this.passwords.set(md.uuid, body.toString('utf8'));
        return reply.code(200).type('text/plain; charset=UTF-8').send('');
      } catch (e) {
        return fail(reply, e);
      }
    });
  }
}
