/**
 * Request bodies as Nova reads them (nova/api/openstack/wsgi.py): JSON under application/json or
 * application/vnd.openstack.compute+json; a body with no Content-Type or text/plain is still parsed as
 * JSON; any other type is 415 "Unsupported Content-Type"; bad JSON is 400 "Malformed request body";
 * an empty body is null (Nova's None). Keys that could poison prototypes are refused like bad JSON.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './faults.ts';

export const DEFAULT_JSON_CONTENT_TYPES: readonly string[] = ['application/json', 'application/vnd.openstack.compute+json'];

const MALFORMED = 'Malformed request body';

class LoneSurrogate extends Error {}

function refusePoison(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('__proto__ key');
  // JSON's \\udXXX escapes can carry half a character, which no UTF-8 client can print back.
  if (!isWellFormed(key) || (typeof value === 'string' && !isWellFormed(value))) throw new LoneSurrogate();
  if (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value) {
    throw new SyntaxError('constructor.prototype key');
  }
  return value;
}

/** Parse a JSON body; '' (or only whitespace) is null. Throws a 400 HttpError on bad JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text, refusePoison);
  } catch (err) {
    if (err instanceof LoneSurrogate) throw new HttpError(400, `${MALFORMED}: a string holds an unpaired surrogate`);
    throw new HttpError(400, MALFORMED);
  }
}

/** String.prototype.isWellFormed: under the `u` flag a paired surrogate is one code point, so only a lone one is of category Cs. */
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
const LONE_SURROGATE = /\p{Cs}/u;

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Replace the instance's parsers with Nova's JSON rules (encapsulated: plugins may add their own). */
export function installJsonBodyParsers(app: FastifyInstance, jsonTypes: readonly string[] = DEFAULT_JSON_CONTENT_TYPES): void {
  app.removeAllContentTypeParsers();
  // Fastify uses a parser's value only when it is a promise, hence async.
  const parse = async (_req: FastifyRequest, body: string | Buffer): Promise<unknown> => parseJsonBody(body.toString());
  app.addContentTypeParser([...jsonTypes], { parseAs: 'string' }, parse);
  app.addContentTypeParser('*', { parseAs: 'string' }, async (req: FastifyRequest, body: string | Buffer) => {
    const type = mediaType(req.headers['content-type']);
    if (type === '' || type === 'text/plain') return parseJsonBody(body.toString());
    throw new HttpError(415, 'Unsupported Content-Type');
  });
}
