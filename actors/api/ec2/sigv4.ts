/**
 * AWS Signature Version 4, checked on the server side (what EC2 does with every Query API request):
 * the canonical request, the string to sign and the signing key as AWS's SigV4 documentation states
 * them, from an Authorization header or from presigned query parameters (X-Amz-Signature). The
 * secret is looked up by access key through a port, and the signature compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses requests whose X-Amz-Date is more than 15 minutes away from its clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper case). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The canonical URI of a path as it came on the wire: decoded once, then encoded per segment. */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath.split('/').map((seg) => uriEncode(safeDecode(seg))).join('/');
}

/** Query parameters of a raw query string, decoded (`+` stays `+`, as SigV4 clients encode spaces %20). */
export function parseRawQuery(raw: string): Array<[string, string]> {
  if (raw === '') return [];
  return raw.split('&').filter((p) => p !== '').map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [safeDecode(p), ''] : [safeDecode(p.slice(0, i)), safeDecode(p.slice(i + 1))];
  });
}

export function canonicalQuery(params: ReadonlyArray<readonly [string, string]>): string {
  return params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Header values trimmed, inner runs of spaces made one, repeated headers joined with ",". */
export function canonicalHeaders(headers: ReadonlyArray<readonly [string, string]>, signed: readonly string[]): string {
  const values = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    if (!signed.includes(n)) continue;
    const list = values.get(n) ?? [];
    list.push(value.trim().replace(/\s+/g, ' '));
    values.set(n, list);
  }
  return signed.map((n) => `${n}:${(values.get(n) ?? []).join(',')}\n`).join('');
}

export interface CanonicalInput {
  method: string;
  /** The path as on the wire (percent-encoded or not). */
  path: string;
  query: ReadonlyArray<readonly [string, string]>;
  /** Every header of the request, repeated ones repeated. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Lower-case names, sorted. */
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(c: CanonicalInput): string {
  return [
    c.method.toUpperCase(), canonicalUri(c.path), canonicalQuery(c.query), canonicalHeaders(c.headers, c.signedHeaders),
    c.signedHeaders.join(';'), c.payloadHash,
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function signature(secret: string, credentialScope: CredentialScope, sts: string): string {
  const key = signingKey(secret, credentialScope.date, credentialScope.region, credentialScope.service);
  return createHmac('sha256', key).update(sts, 'utf8').digest('hex');
}

export interface CredentialScope {
  accessKey: string;
  date: string;
  region: string;
  service: string;
}

/** What a request says about its signature. */
export interface SignatureClaim {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Presigned requests: the query parameters other than X-Amz-Signature are part of the canonical query. */
  presigned: boolean;
  expiresS?: number;
}

/** Why a request does not authenticate; `code` is EC2's error code. */
export class SignatureError extends Error {
  constructor(readonly code: 'AuthFailure' | 'IncompleteSignature' | 'MissingAuthenticationToken' | 'RequestExpired' | 'SignatureDoesNotMatch', message: string) {
    super(message);
  }
}

function parseScope(credential: string): CredentialScope {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!)) {
    throw new SignatureError('IncompleteSignature', `Credential should be scoped to a valid region, not '${credential}'`);
  }
  return { accessKey: parts[0]!, date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

function header(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** Read the claim from the Authorization header or the X-Amz-* query parameters. */
export function parseClaim(headers: ReadonlyArray<readonly [string, string]>, query: ReadonlyArray<readonly [string, string]>): SignatureClaim {
  const auth = header(headers, 'authorization');
  const q = (k: string) => query.find(([n]) => n === k)?.[1];
  if (auth !== undefined) {
    if (!auth.startsWith(`${ALGORITHM} `)) throw new SignatureError('IncompleteSignature', `Unsupported authorization type; only ${ALGORITHM} is accepted`);
    const fields = new Map<string, string>();
    for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
      const i = part.indexOf('=');
      if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
    const cred = fields.get('Credential');
    const signed = fields.get('SignedHeaders');
    const sig = fields.get('Signature');
    if (!cred || !signed || !sig) throw new SignatureError('IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature');
    const amzDate = header(headers, 'x-amz-date');
    if (!amzDate) throw new SignatureError('IncompleteSignature', 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header');
    return { scope: parseScope(cred), signedHeaders: signed.split(';'), signature: sig, amzDate, presigned: false };
  }
  if (q('X-Amz-Algorithm') !== undefined || q('X-Amz-Signature') !== undefined) {
    if (q('X-Amz-Algorithm') !== ALGORITHM) throw new SignatureError('IncompleteSignature', `X-Amz-Algorithm must be ${ALGORITHM}`);
    const cred = q('X-Amz-Credential');
    const signed = q('X-Amz-SignedHeaders');
    const sig = q('X-Amz-Signature');
    const amzDate = q('X-Amz-Date');
    if (!cred || !signed || !sig || !amzDate) throw new SignatureError('IncompleteSignature', 'Presigned requests need X-Amz-Credential, X-Amz-SignedHeaders, X-Amz-Signature and X-Amz-Date');
    const expires = q('X-Amz-Expires');
    return {
      scope: parseScope(cred), signedHeaders: signed.split(';'), signature: sig, amzDate, presigned: true,
      ...(expires !== undefined && /^\d+$/.test(expires) ? { expiresS: Number(expires) } : {}),
    };
  }
  throw new SignatureError('MissingAuthenticationToken', 'Request is missing Authentication Token');
}

/** "20150830T123600Z" → ms since the epoch, or NaN. */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

export interface SignedRequest {
  method: string;
  path: string;
  /** Raw query parameters, decoded, in order. */
  query: ReadonlyArray<readonly [string, string]>;
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer | string;
}

export interface VerifyOptions {
  /** The secret of an access key, or undefined when there is no such key. */
  secretOf(accessKey: string): string | undefined;
  nowMs: number;
  /** The service name the scope must carry (ec2). */
  service?: string;
}

/** Check a request's signature; resolves to its access key, throws SignatureError otherwise. */
export function verifySigV4(req: SignedRequest, o: VerifyOptions): CredentialScope {
  const claim = parseClaim(req.headers, req.query);
  const { scope } = claim;
  if (o.service !== undefined && scope.service !== o.service) {
    throw new SignatureError('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${o.service}'.`);
  }
  if (!claim.signedHeaders.includes('host')) throw new SignatureError('IncompleteSignature', 'The host header must be signed');
  const when = parseAmzDate(claim.amzDate);
  if (Number.isNaN(when)) throw new SignatureError('IncompleteSignature', `Invalid X-Amz-Date '${claim.amzDate}'`);
  if (claim.amzDate.slice(0, 8) !== scope.date) throw new SignatureError('SignatureDoesNotMatch', 'Credential date does not match X-Amz-Date');
  const expiry = claim.presigned ? Math.min((claim.expiresS ?? 900) * 1000, 7 * 24 * 3600 * 1000) : MAX_SKEW_MS;
  if (o.nowMs - when > expiry || when - o.nowMs > MAX_SKEW_MS) {
    throw new SignatureError('RequestExpired', `Request has expired (X-Amz-Date ${claim.amzDate})`);
  }
  const secret = o.secretOf(scope.accessKey);
  // An unknown key and a wrong secret get the same answer, as EC2 gives.
  const fail = new SignatureError('AuthFailure', 'AWS was not able to validate the provided access credentials');
  if (secret === undefined) throw fail;
  const query = claim.presigned ? req.query.filter(([k]) => k !== 'X-Amz-Signature') : req.query;
  // A presigned URL may leave its payload unsigned.
  const payloadHashes = claim.presigned ? [sha256Hex(req.body), 'UNSIGNED-PAYLOAD'] : [sha256Hex(req.body)];
  const given = /^[0-9a-f]{64}$/.test(claim.signature) ? Buffer.from(claim.signature, 'hex') : Buffer.alloc(32);
  let ok = false;
  for (const payloadHash of payloadHashes) {
    const canonical = canonicalRequest({
      method: req.method, path: req.path, query, headers: req.headers, signedHeaders: claim.signedHeaders, payloadHash,
    });
    const sts = stringToSign(claim.amzDate, `${scope.date}/${scope.region}/${scope.service}/aws4_request`, canonical);
    if (timingSafeEqual(given, Buffer.from(signature(secret, scope, sts), 'hex'))) ok = true;
  }
  if (!ok || !/^[0-9a-f]{64}$/.test(claim.signature)) throw fail;
  return scope;
}
