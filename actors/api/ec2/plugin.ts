/**
 * The EC2 Query API on the API cell's listener (at /ec2, advertised in the catalog as type "ec2"):
 * `Action=…&Version=…` by GET query or form-encoded POST, AWS SigV4 checked against the identity
 * service's EC2 credentials, then the action with the credential's user and project as the caller,
 * through the same ComputeDeps (ComputeAPI, cells, API database) as the compute API. Answers are
 * EC2's XML; every failure is EC2's error XML with its HTTP status, never a JSON fault.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComputeDeps } from '../compute/deps.ts';
import type { Caller } from '../compute/context.ts';
import { registerLegacyV2 } from '../compute/version.ts';
import { setAuth, type IdentityService } from '../identity/index.ts';
import { EC2_ACTIONS } from './actions/index.ts';
import { Ec2Error, fromComputeError } from './errors.ts';
import { Ec2Params } from './params.ts';
import { parseRawQuery, SignatureError, verifySigV4 } from './sigv4.ts';
import { ec2ErrorXml, ec2Response } from './xml.ts';

export const DEFAULT_EC2_PREFIX = '/ec2';
const XML_TYPE = 'text/xml;charset=UTF-8';

export interface Ec2Options {
  prefix?: string;
  region: string;
  /** The endpoint as clients reach it (DescribeRegions); default from the request. */
  publicUrl?: () => string | undefined;
}

function rawHeaders(request: FastifyRequest): Array<[string, string]> {
  const raw = request.raw.rawHeaders;
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function bodyText(request: FastifyRequest): string {
  const b = request.body;
  return Buffer.isBuffer(b) ? b.toString('utf8') : typeof b === 'string' ? b : '';
}

function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function sendError(request: FastifyRequest, reply: FastifyReply, e: Ec2Error): FastifyReply {
  return reply.code(e.status).type(XML_TYPE).send(ec2ErrorXml(e.code, e.message, request.id));
}

export async function mountEc2(app: FastifyInstance, deps: ComputeDeps, identity: IdentityService, opts: Ec2Options): Promise<void> {
  const prefix = opts.prefix ?? DEFAULT_EC2_PREFIX;
  await app.register(async (ec2) => {
    // Bodies are read as bytes whatever their type: the signature covers them exactly as sent.
    ec2.removeAllContentTypeParsers();
    ec2.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // The compute helpers run at the compute API's base version (2.1) for EC2 requests.
    registerLegacyV2(ec2);
    ec2.setNotFoundHandler((request, reply) => sendError(request, reply, new Ec2Error('InvalidAction', 'The requested path is not part of the EC2 API')));
    ec2.setErrorHandler((err, request, reply) => {
      const e = err instanceof Ec2Error ? err : fromComputeError(err);
      if (e.code === 'InternalError') deps.log.error({ err, req_id: request.id }, 'EC2 request failed');
      // A body fastify could not read (too large, bad encoding) is the client's fault.
      const status = (err as { statusCode?: number }).statusCode;
      if (!(err instanceof Ec2Error) && status !== undefined && status >= 400 && status < 500) {
        return sendError(request, reply, new Ec2Error('InvalidParameterValue', (err as Error).message));
      }
      return sendError(request, reply, e);
    });

    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      const url = request.raw.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = parseRawQuery(q < 0 ? '' : url.slice(q + 1));
      const body = bodyText(request);
      const formParams = request.method === 'POST' && isForm(request) ? [...new URLSearchParams(body)] : [];
      const params = new Ec2Params([...query, ...formParams]);
      let caller: Caller;
      try {
        const scope = verifySigV4(
          { method: request.method, path, query, headers: rawHeaders(request), body },
          { secretOf: (ak) => identity.ec2Caller(ak)?.credential.secret, nowMs: deps.clock.now(), service: 'ec2' },
        );
        caller = identity.ec2Caller(scope.accessKey)!.caller as Caller;
      } catch (e) {
        if (e instanceof SignatureError) throw new Ec2Error(e.code, e.message);
        throw e;
      }
      setAuth(request, caller);
      const name = params.get('Action');
      if (!name) throw new Ec2Error('MissingAction', 'The request must contain the parameter Action');
      const action = EC2_ACTIONS.get(name);
      if (!action) throw new Ec2Error('InvalidAction', `The action ${name} is not valid for this web service.`);
      const endpoint = opts.publicUrl?.() ?? `${request.protocol}://${request.host}`;
      let out;
      try {
        out = await action({ deps, request, params, caller, region: opts.region, endpoint: `${endpoint}${prefix}` });
      } catch (e) {
        throw fromComputeError(e);
      }
      return reply.code(200).type(XML_TYPE).send(ec2Response(name, request.id, out));
    };
    // The server ignores a trailing slash: /ec2 and /ec2/ are both this route.
    ec2.get('/', handle);
    ec2.post('/', handle);
  }, { prefix });
}
