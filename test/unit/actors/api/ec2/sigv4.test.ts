/**
 * The SigV4 check against AWS's published Signature Version 4 test suite (the aws-sig-v4-test-suite
 * cases, credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1/service): each case's canonical
 * request, string to sign and signature, then the server-side check accepting the signed request and
 * refusing it with a wrong secret, an altered parameter, an old date or no signature at all.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalRequest, parseAmzDate, signature, SignatureError, stringToSign, verifySigV4, type SignedRequest,
} from '../../../../../actors/api/ec2/sigv4.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const DATE = '20150830T123600Z';
const SCOPE = '20150830/us-east-1/service/aws4_request';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HOST: [string, string] = ['Host', 'example.amazonaws.com'];
const XDATE: [string, string] = ['X-Amz-Date', DATE];

interface Vector {
  name: string;
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  body?: string;
  creq: string;
  stsHash: string;
  sig: string;
}

const V: Vector[] = [
  {
    name: 'get-vanilla', method: 'GET', path: '/', query: [], headers: [HOST, XDATE],
    creq: `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: 'bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    sig: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-vanilla-query-order-key-case', method: 'GET', path: '/', query: [['Param2', 'value2'], ['Param1', 'value1']], headers: [HOST, XDATE],
    creq: `GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: '816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0',
    sig: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-encoded', method: 'GET', path: '/', query: [['Param-3', 'Value3'], ['Param', 'Value2'], ['\u1234', 'Value1']], headers: [HOST, XDATE],
    creq: `GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: '868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71',
    sig: '371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac',
  },
  {
    name: 'get-vanilla-query-unreserved', method: 'GET', path: '/',
    query: [['-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']],
    headers: [HOST, XDATE],
    creq: `GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: 'c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177',
    sig: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query', method: 'GET', path: '/', query: [['\u1234', 'bar']], headers: [HOST, XDATE],
    creq: `GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: 'eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073',
    sig: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-utf8', method: 'GET', path: '/\u1234', query: [], headers: [HOST, XDATE],
    creq: `GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: '2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102',
    sig: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
  },
  {
    name: 'get-unreserved', method: 'GET', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', query: [], headers: [HOST, XDATE],
    creq: `GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: '6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9',
    sig: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    name: 'get-header-key-duplicate', method: 'GET', path: '/', query: [],
    headers: [HOST, ['My-Header1', 'value2'], ['My-Header1', 'value2'], ['My-Header1', 'value1'], XDATE],
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:${DATE}\n\nhost;my-header1;x-amz-date\n${EMPTY}`,
    stsHash: 'dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c',
    sig: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-order', method: 'GET', path: '/', query: [],
    headers: [HOST, ['My-Header1', 'value4'], ['My-Header1', 'value1'], ['My-Header1', 'value3'], ['My-Header1', 'value2'], XDATE],
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:${DATE}\n\nhost;my-header1;x-amz-date\n${EMPTY}`,
    stsHash: '31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86',
    sig: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'get-header-value-trim', method: 'GET', path: '/', query: [],
    headers: [HOST, ['My-Header1', ' value1'], ['My-Header2', ' "a   b   c"'], XDATE],
    creq: `GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:${DATE}\n\nhost;my-header1;my-header2;x-amz-date\n${EMPTY}`,
    stsHash: 'a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7',
    sig: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-vanilla-query', method: 'POST', path: '/', query: [['Param1', 'value1']], headers: [HOST, XDATE],
    creq: `POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\nhost;x-amz-date\n${EMPTY}`,
    stsHash: '9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd',
    sig: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-header-value-case', method: 'POST', path: '/', query: [], headers: [HOST, ['My-Header1', 'VALUE1'], XDATE],
    creq: `POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:${DATE}\n\nhost;my-header1;x-amz-date\n${EMPTY}`,
    stsHash: 'd51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93',
    sig: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
  {
    name: 'post-x-www-form-urlencoded', method: 'POST', path: '/', query: [],
    headers: [['Content-Type', 'application/x-www-form-urlencoded'], HOST, XDATE], body: 'Param1=value1',
    creq: `POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:${DATE}\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e`,
    stsHash: '42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281',
    sig: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
];

const signedOf = (v: Vector) => v.creq.split('\n').at(-2)!.split(';');
const NOW = parseAmzDate(DATE);

function requestOf(v: Vector, sig = v.sig): SignedRequest {
  const auth = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${SCOPE}, SignedHeaders=${signedOf(v).join(';')}, Signature=${sig}`;
  return { method: v.method, path: v.path, query: v.query, headers: [...v.headers, ['Authorization', auth]], body: v.body ?? '' };
}

const secretOf = (ak: string) => (ak === 'AKIDEXAMPLE' ? SECRET : undefined);

describe.each(V)('AWS SigV4 test suite: $name', (v) => {
  it('builds the canonical request, the string to sign and the signature the suite states', () => {
    const creq = canonicalRequest({ method: v.method, path: v.path, query: v.query, headers: v.headers, signedHeaders: signedOf(v), payloadHash: v.creq.split('\n').at(-1)! });
    expect(creq).toBe(v.creq);
    const sts = stringToSign(DATE, SCOPE, creq);
    expect(sts.split('\n')[3]).toBe(v.stsHash);
    expect(signature(SECRET, { accessKey: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'service' }, sts)).toBe(v.sig);
  });

  it('the server accepts the signed request', () => {
    expect(verifySigV4(requestOf(v), { secretOf, nowMs: NOW })).toMatchObject({ accessKey: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service' });
  });
});

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SignatureError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('the server refuses', () => {
  const v = V[1]!;
  it('a wrong secret, and an unknown access key, with AuthFailure', () => {
    expect(failure(() => verifySigV4(requestOf(v), { secretOf: () => 'not-the-secret', nowMs: NOW }))).toBe('AuthFailure');
    expect(failure(() => verifySigV4(requestOf(v), { secretOf: () => undefined, nowMs: NOW }))).toBe('AuthFailure');
  });
  it('a parameter changed after signing', () => {
    const r = requestOf(v);
    expect(failure(() => verifySigV4({ ...r, query: [['Param2', 'value2'], ['Param1', 'other']] }, { secretOf, nowMs: NOW }))).toBe('AuthFailure');
  });
  it('a changed body', () => {
    const r = requestOf(V.at(-1)!);
    expect(failure(() => verifySigV4({ ...r, body: 'Param1=value2' }, { secretOf, nowMs: NOW }))).toBe('AuthFailure');
  });
  it('a signature made more than 15 minutes ago, or in the future', () => {
    expect(failure(() => verifySigV4(requestOf(v), { secretOf, nowMs: NOW + 16 * 60_000 }))).toBe('RequestExpired');
    expect(failure(() => verifySigV4(requestOf(v), { secretOf, nowMs: NOW - 16 * 60_000 }))).toBe('RequestExpired');
    expect(failure(() => verifySigV4(requestOf(v), { secretOf, nowMs: NOW + 14 * 60_000 }))).toBe('accepted');
  });
  it('a scope for another service', () => {
    expect(failure(() => verifySigV4(requestOf(v), { secretOf, nowMs: NOW, service: 'ec2' }))).toBe('SignatureDoesNotMatch');
  });
  it('no signature at all, and a malformed one', () => {
    expect(failure(() => verifySigV4({ method: 'GET', path: '/', query: [], headers: [HOST], body: '' }, { secretOf, nowMs: NOW }))).toBe('MissingAuthenticationToken');
    const r = requestOf(v);
    expect(failure(() => verifySigV4({ ...r, headers: [HOST, XDATE, ['Authorization', 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x']] }, { secretOf, nowMs: NOW }))).toBe('IncompleteSignature');
    expect(failure(() => verifySigV4(requestOf(v, 'zz'), { secretOf, nowMs: NOW }))).toBe('AuthFailure');
  });
});
