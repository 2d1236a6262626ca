/**
 * Test support: signs an EC2 Query API request with SigV4 as botocore does (host, x-amz-date and
 * content-type signed, the form body hashed), for unit tests that inject into the API app.
 */
import { canonicalRequest, sha256Hex, signature, stringToSign } from '../../actors/api/ec2/sigv4.ts';

export interface Ec2Keys {
  access: string;
  secret: string;
}

export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Headers and body of a signed form POST to `path` on `host`. */
export function signedPost(keys: Ec2Keys, params: Record<string, string>, o: { host: string; path: string; nowMs: number; region?: string }) {
  const body = new URLSearchParams(params).toString();
  const date = amzDate(o.nowMs);
  const region = o.region ?? 'RegionOne';
  const headers: Array<[string, string]> = [
    ['content-type', 'application/x-www-form-urlencoded; charset=utf-8'], ['host', o.host], ['x-amz-date', date],
  ];
  const signedHeaders = ['content-type', 'host', 'x-amz-date'];
  const creq = canonicalRequest({ method: 'POST', path: o.path, query: [], headers, signedHeaders, payloadHash: sha256Hex(body) });
  const scope = { accessKey: keys.access, date: date.slice(0, 8), region, service: 'ec2' };
  const sig = signature(keys.secret, scope, stringToSign(date, `${scope.date}/${region}/ec2/aws4_request`, creq));
  return {
    body,
    headers: {
      ...Object.fromEntries(headers),
      authorization: `AWS4-HMAC-SHA256 Credential=${keys.access}/${scope.date}/${region}/ec2/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`,
    },
  };
}
