/**
 * Bad input never gets a 500: malformed JSON, bodies of the wrong shape or types, unknown fields,
 * bodies over the size limit, missing/bad/expired tokens and other projects' ids, sent to every
 * writing route of the compute and image APIs, each answered with a 4xx fault body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../support/api-fixture.ts';

let fx: ApiFixture;
let mine: string;
let theirs: string;

beforeAll(async () => {
  fx = await apiFixture();
  const boot = async (as: 'demo' | 'alt') => ((await fx.call('POST', '/compute/v2.1/servers', {
    as, body: { server: { name: `vm-${as}`, imageRef: fx.plan.images[0]!.id, flavorRef: '1' } },
  })).json() as { server: { id: string } }).server.id;
  mine = await boot('demo');
  theirs = await boot('alt');
});
afterAll(async () => { await fx.close(); });

const ROUTES = (): Array<[string, string]> => [
  ['POST', '/compute/v2.1/servers'],
  ['PUT', `/compute/v2.1/servers/${mine}`],
  ['POST', `/compute/v2.1/servers/${mine}/action`],
  ['PUT', `/compute/v2.1/servers/${mine}/metadata`],
  ['POST', `/compute/v2.1/servers/${mine}/metadata`],
  ['PUT', `/compute/v2.1/servers/${mine}/metadata/k`],
  ['PUT', `/compute/v2.1/servers/${mine}/tags`],
  ['POST', '/compute/v2.1/flavors'],
  ['POST', '/compute/v2.1/flavors/1/os-extra_specs'],
  ['PUT', '/compute/v2.1/flavors/1/os-extra_specs/k'],
  ['POST', '/compute/v2.1/flavors/1/action'],
  ['POST', '/compute/v2.1/os-keypairs'],
  ['POST', '/compute/v2.1/os-server-groups'],
  ['POST', '/compute/v2.1/os-aggregates'],
  ['PUT', '/compute/v2.1/os-aggregates/1'],
  ['POST', '/compute/v2.1/os-aggregates/1/action'],
  ['PUT', `/compute/v2.1/os-quota-sets/${fx.project.demo}`],
  ['PUT', '/compute/v2.1/os-services/disable'],
  ['POST', '/image/v2/images'],
  ['PATCH', `/image/v2/images/${fx.plan.images[0]!.id}`],
  ['POST', '/identity/v3/auth/tokens'],
];

const BAD_BODIES: Array<[string, string]> = [
  ['malformed JSON', '{"server": {"name": '],
  ['a JSON string', '"hello"'],
  ['a JSON array', '[1, 2, 3]'],
  ['null', 'null'],
  ['wrong types', '{"server": "x", "flavor": 7, "keypair": [], "metadata": 1, "extra_specs": "no", "server_group": null, "aggregate": true, "quota_set": "all", "reboot": 5, "tags": {}}'],
  ['unknown fields', '{"bogus": {"field": 1}}'],
  ['deeply nested', `${'['.repeat(500)}${']'.repeat(500)}`],
  ['__proto__ keys', '{"__proto__": {"isAdmin": true}}'],
];

function expectFault(status: number, body: string, what: string): void {
  expect(status, `${what}: ${body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(status, `${what}: ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(() => JSON.parse(body), what).not.toThrow();
}

describe('bad bodies are 4xx faults, never 500', () => {
  it.each(BAD_BODIES)('%s', async (_name, raw) => {
    for (const [method, url] of ROUTES()) {
      for (const as of ['demo', 'admin'] as const) {
        const res = await fx.call(method, url, { as, raw, headers: { 'content-type': 'application/json' }, version: '2.96' });
        expectFault(res.statusCode, res.body, `${as} ${method} ${url}`);
      }
    }
  });

  it('a body over the limit is 413 with Nova\'s overLimit fault', async () => {
    const huge = JSON.stringify({ server: { name: 'x'.repeat(200_000) } });
    for (const [method, url] of ROUTES()) {
      const res = await fx.call(method, url, { raw: huge, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode, `${method} ${url}`).toBe(413);
    }
  });

  it('an unsupported content type is 415', async () => {
    const res = await fx.call('POST', '/compute/v2.1/servers', { raw: '<server/>', headers: { 'content-type': 'application/xml' } });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toHaveProperty('badMediaType.code', 415);
  });

  it('random JSON values in every field position are 4xx', async () => {
    const values = [null, true, -1, 1.5, 2 ** 53, '', 'x'.repeat(300), [], {}, [null], { a: { b: [] } }];
    const bodies = [
      (v: unknown) => ({ server: { name: v, imageRef: v, flavorRef: v, min_count: v, networks: v, metadata: v } }),
      (v: unknown) => ({ server: { name: 'ok', imageRef: fx.plan.images[0]!.id, flavorRef: '1', metadata: { k: v }, security_groups: v, key_name: v } }),
      (v: unknown) => ({ reboot: { type: v } }),
      (v: unknown) => ({ resize: { flavorRef: v } }),
      (v: unknown) => ({ rebuild: { imageRef: v, name: v } }),
      (v: unknown) => ({ createImage: { name: v, metadata: v } }),
      (v: unknown) => ({ 'os-getConsoleOutput': { length: v } }),
      (v: unknown) => ({ flavor: { name: v, ram: v, vcpus: v, disk: v, id: v } }),
      (v: unknown) => ({ keypair: { name: v, public_key: v, type: v } }),
      (v: unknown) => ({ aggregate: { name: v, availability_zone: v } }),
    ];
    const urls = ['/compute/v2.1/servers', `/compute/v2.1/servers/${mine}/action`, '/compute/v2.1/flavors', '/compute/v2.1/os-keypairs', '/compute/v2.1/os-aggregates'];
    for (const make of bodies) {
      for (const v of values) {
        for (const url of urls) {
          const res = await fx.call('POST', url, { as: 'admin', body: make(v), version: '2.96' });
          expect(res.statusCode, `${url} ${JSON.stringify(make(v)).slice(0, 200)}: ${res.body}`).toBeLessThan(500);
        }
      }
    }
  });
});

describe('tokens and other projects', () => {
  it('no token, a forged token, a token of another signature: 401 everywhere', async () => {
    const forged = `${Buffer.from('[1,"u",["password"],"p","x",["admin"],0,9999999999999,["a"]]').toString('base64url')}.AAAA`;
    for (const [method, url] of ROUTES().filter(([, u]) => !u.startsWith('/identity'))) {
      for (const headers of [{}, { 'x-auth-token': forged }, { 'x-auth-token': 'a'.repeat(5000) }] as Array<Record<string, string>>) {
        const res = await fx.call(method, url, { as: null, headers, body: {} });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
      }
    }
  });

  it('another project\'s server is 404 on every server route, never 403 or 500', async () => {
    const routes: Array<[string, string, unknown]> = [
      ['GET', `/compute/v2.1/servers/${theirs}`, undefined],
      ['PUT', `/compute/v2.1/servers/${theirs}`, { server: { name: 'x' } }],
      ['DELETE', `/compute/v2.1/servers/${theirs}`, undefined],
      ['POST', `/compute/v2.1/servers/${theirs}/action`, { reboot: { type: 'SOFT' } }],
      ['POST', `/compute/v2.1/servers/${theirs}/action`, { createImage: { name: 'steal' } }],
      ['GET', `/compute/v2.1/servers/${theirs}/metadata`, undefined],
      ['PUT', `/compute/v2.1/servers/${theirs}/tags/t`, undefined],
      ['GET', `/compute/v2.1/servers/${theirs}/ips`, undefined],
      ['GET', `/compute/v2.1/servers/${theirs}/os-instance-actions`, undefined],
    ];
    for (const [method, url, body] of routes) {
      const res = await fx.call(method, url, { body, version: '2.26' });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const list = (await fx.call('GET', '/compute/v2.1/servers')).json() as { servers: Array<{ id: string }> };
    expect(list.servers.map((s) => s.id)).toEqual([mine]);
  });

  it('another user\'s keypair and another project\'s private image are 404', async () => {
    await fx.call('POST', '/compute/v2.1/os-keypairs', { as: 'alt', body: { keypair: { name: 'alt-key' } } });
    expect((await fx.call('GET', '/compute/v2.1/os-keypairs/alt-key')).statusCode).toBe(404);
    expect((await fx.call('DELETE', '/compute/v2.1/os-keypairs/alt-key')).statusCode).toBe(404);
    const img = (await fx.call('POST', '/image/v2/images', { as: 'alt', body: { name: 'alt-image', disk_format: 'raw', container_format: 'bare' } })).json() as { id: string };
    expect((await fx.call('GET', `/image/v2/images/${img.id}`)).statusCode).toBe(404);
    expect((await fx.call('DELETE', `/image/v2/images/${img.id}`)).statusCode).toBe(404);
    expect((await fx.call('POST', '/compute/v2.1/servers', { body: { server: { name: 'x', imageRef: img.id, flavorRef: '1' } } })).statusCode).toBe(400);
  });
});
