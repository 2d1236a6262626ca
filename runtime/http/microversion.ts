/**
 * API microversions, as Nova negotiates them (nova/api/openstack/api_version_request.py, wsgi.py and
 * microversion_parse): the version comes from `OpenStack-API-Version: <service> X.Y` (the last entry
 * for the service wins), else from the legacy header (`X-OpenStack-Nova-API-Version: X.Y`), else it
 * is the minimum. `latest` is the maximum; a malformed string is 400; a version outside [min, max] is
 * 406. Responses echo the version in both headers and say `Vary` on them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, NovaError } from '../errors/index.ts';

/** A version string that is not `X.Y` (nova.exception.InvalidAPIVersionString). */
export class InvalidAPIVersionString extends BadRequest {
  constructor(version: string) {
    super(`API Version String ${version} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
}

/** A version outside the supported window (nova.exception.InvalidGlobalAPIVersion), 406. */
export class InvalidGlobalAPIVersion extends NovaError {
  override readonly code = 406;
  constructor(req: APIVersion, min: APIVersion, max: APIVersion) {
    super(`Version ${req} is not supported by the API. Minimum is ${min} and maximum is ${max}.`);
  }
}

export type VersionLike = APIVersion | string;

const VERSION_RE = /^([1-9]\d*)\.([1-9]\d*|0)$/;

/** A comparable `major.minor` version. */
export class APIVersion {
  constructor(readonly major: number, readonly minor: number) {}

  /** Parse `X.Y` (no leading zeros, as Nova's regex); throws InvalidAPIVersionString. */
  static parse(text: string): APIVersion {
    const m = VERSION_RE.exec(text);
    if (!m) throw new InvalidAPIVersionString(text);
    return new APIVersion(Number(m[1]), Number(m[2]));
  }

  static from(v: VersionLike): APIVersion {
    return v instanceof APIVersion ? v : APIVersion.parse(v);
  }

  /** Negative, zero or positive as this is below, equal to or above `other`. */
  compare(other: VersionLike): number {
    const o = APIVersion.from(other);
    return this.major !== o.major ? this.major - o.major : this.minor - o.minor;
  }

  eq(o: VersionLike): boolean { return this.compare(o) === 0; }
  lt(o: VersionLike): boolean { return this.compare(o) < 0; }
  le(o: VersionLike): boolean { return this.compare(o) <= 0; }
  gt(o: VersionLike): boolean { return this.compare(o) > 0; }
  ge(o: VersionLike): boolean { return this.compare(o) >= 0; }

  /** min <= this <= max; a null/absent bound is open (Nova's APIVersionRequest.matches). */
  matches(min: VersionLike | null | undefined, max?: VersionLike | null): boolean {
    if (min != null && this.lt(min)) return false;
    if (max != null && this.gt(max)) return false;
    return true;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

/** Which service's headers to read and what window it supports. */
export interface MicroversionSpec {
  /** Service type in `OpenStack-API-Version` (`compute`, `placement`). */
  serviceType: string;
  /** Older header read when the standard one names no version for the service. */
  legacyHeader?: string;
  min: APIVersion;
  max: APIVersion;
}

/** Nova's window. The CLI's `2.latest` is 2.92 (cli-http-trace.txt), so max must be at least that. */
export function novaMicroversions(max: VersionLike = '2.96', min: VersionLike = '2.1'): MicroversionSpec {
  return {
    serviceType: 'compute',
    legacyHeader: 'X-OpenStack-Nova-API-Version',
    min: APIVersion.from(min),
    max: APIVersion.from(max),
  };
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The version string the client asked for, or undefined (microversion_parse.get_version). */
export function requestedVersion(headers: Headers, serviceType: string, legacyHeader?: string): string | undefined {
  const standard = header(headers, 'openstack-api-version');
  if (standard !== undefined) {
    for (const entry of standard.split(',').reverse()) {
      const [service, ...rest] = entry.trim().split(/\s+/);
      if (rest.length > 0 && service!.toLowerCase() === serviceType.toLowerCase()) return rest.join(' ').trim();
    }
  }
  if (legacyHeader) {
    const legacy = header(headers, legacyHeader);
    if (legacy !== undefined) return legacy.split(',').pop()!.trim();
  }
  return undefined;
}

/** The version a request runs at; throws InvalidAPIVersionString (400) or InvalidGlobalAPIVersion (406). */
export function negotiateVersion(headers: Headers, spec: MicroversionSpec): APIVersion {
  const asked = requestedVersion(headers, spec.serviceType, spec.legacyHeader);
  if (asked === undefined) return spec.min;
  if (asked === 'latest') return spec.max;
  const v = APIVersion.parse(asked);
  if (!v.matches(spec.min, spec.max)) throw new InvalidGlobalAPIVersion(v, spec.min, spec.max);
  return v;
}

/** The headers Nova puts on every microversioned response, faults included. */
export function versionHeaders(v: APIVersion, spec: MicroversionSpec): Record<string, string> {
  const out: Record<string, string> = { 'OpenStack-API-Version': `${spec.serviceType} ${v}` };
  const vary = ['OpenStack-API-Version'];
  if (spec.legacyHeader) {
    out[spec.legacyHeader] = v.toString();
    vary.push(spec.legacyHeader);
  }
  out['Vary'] = vary.join(', ');
  return out;
}

const negotiated = new WeakMap<FastifyRequest, APIVersion>();

/** The version negotiated for this request; throws if the route is not under registerMicroversions. */
export function microversionOf(request: FastifyRequest): APIVersion {
  const v = negotiated.get(request);
  if (!v) throw new Error(`no microversion negotiated for ${request.method} ${request.url}`);
  return v;
}

function addVary(reply: FastifyReply, value: string): void {
  const prior = reply.getHeader('vary');
  reply.header('vary', prior ? `${String(prior)}, ${value}` : value);
}

/**
 * Negotiate on every request of this context (onRequest, so a bad version is refused before the
 * body is read) and send the version headers on its responses. A refused version gets no headers.
 */
export function registerMicroversions(app: FastifyInstance, spec: MicroversionSpec): void {
  app.addHook('onRequest', async (request) => {
    negotiated.set(request, negotiateVersion(request.headers, spec));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const v = negotiated.get(request);
    if (v) {
      for (const [k, val] of Object.entries(versionHeaders(v, spec))) {
        if (k === 'Vary') addVary(reply, val);
        else reply.header(k, val);
      }
    }
    return payload;
  });
}
