/** Microversions: parsing, comparison, negotiation from each header form, and the response headers. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  APIVersion, createHttpServer, microversionOf, negotiateVersion, novaMicroversions, registerMicroversions,
  requestedVersion, type HttpServer,
} from '../../../../runtime/http/index.ts';
import { NotFound } from '../../../../runtime/errors/index.ts';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';

describe('APIVersion', () => {
  it('parses X.Y and compares numerically, not as text', () => {
    const v = APIVersion.parse('2.10');
    expect(v.major).toBe(2);
    expect(v.minor).toBe(10);
    expect(v.gt('2.9')).toBe(true);
    expect(v.lt('2.100')).toBe(true);
    expect(v.eq(new APIVersion(2, 10))).toBe(true);
    expect(v.toString()).toBe('2.10');
  });

  it('refuses what Nova refuses: leading zeros, missing parts, words', () => {
    for (const bad of ['2', '2.', '.1', '02.1', '2.01', '2.1.1', 'two.one', 'latest', '', ' 2.1']) {
      expect(() => APIVersion.parse(bad), bad).toThrow(/is of invalid format/);
    }
    expect(APIVersion.parse('2.0').toString()).toBe('2.0');
  });

  it('matches(min, max) is inclusive and an absent bound is open', () => {
    const v = APIVersion.parse('2.47');
    expect(v.matches('2.47', '2.47')).toBe(true);
    expect(v.matches('2.48')).toBe(false);
    expect(v.matches('2.1')).toBe(true);
    expect(v.matches(null, '2.46')).toBe(false);
    expect(v.matches(null, null)).toBe(true);
  });
});

describe('negotiateVersion', () => {
  const spec = novaMicroversions();

  it('defaults to the minimum when no header is sent', () => {
    expect(negotiateVersion({}, spec).toString()).toBe('2.1');
  });

  it('reads the legacy X-OpenStack-Nova-API-Version header', () => {
    expect(negotiateVersion({ 'x-openstack-nova-api-version': '2.61' }, spec).toString()).toBe('2.61');
  });

  it('reads OpenStack-API-Version: compute X.Y, ahead of the legacy header', () => {
    const h = { 'openstack-api-version': 'compute 2.69', 'x-openstack-nova-api-version': '2.1' };
    expect(negotiateVersion(h, spec).toString()).toBe('2.69');
  });

  it('ignores other services in the standard header and takes the last compute entry', () => {
    expect(requestedVersion({ 'openstack-api-version': 'placement 1.30, compute 2.5, Compute 2.7' }, 'compute')).toBe('2.7');
    expect(negotiateVersion({ 'openstack-api-version': 'placement 1.30', 'x-openstack-nova-api-version': '2.3' }, spec).toString())
      .toBe('2.3');
  });

  it('maps latest to the maximum, in either header', () => {
    expect(negotiateVersion({ 'openstack-api-version': 'compute latest' }, spec).toString()).toBe('2.96');
    expect(negotiateVersion({ 'x-openstack-nova-api-version': 'latest' }, spec).toString()).toBe('2.96');
  });

  it('refuses a version out of range with Nova message (406)', () => {
    expect(() => negotiateVersion({ 'x-openstack-nova-api-version': '2.999' }, spec))
      .toThrow('Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.96.');
    expect(() => negotiateVersion({ 'x-openstack-nova-api-version': '1.1' }, spec)).toThrow(/Version 1.1 is not supported/);
  });

  it('takes its window as a parameter', () => {
    const narrow = novaMicroversions('2.60', '2.2');
    expect(negotiateVersion({}, narrow).toString()).toBe('2.2');
    expect(negotiateVersion({ 'x-openstack-nova-api-version': 'latest' }, narrow).toString()).toBe('2.60');
    expect(() => negotiateVersion({ 'x-openstack-nova-api-version': '2.61' }, narrow)).toThrow(/maximum is 2.60/);
  });
});

describe('registerMicroversions over HTTP', () => {
  let app: HttpServer;

  async function server(): Promise<HttpServer> {
    app = createHttpServer({
      log: createLogger({}, 'silent'), clock: new VirtualClock(), rng: new SeededRng('mv').stream('req'),
    });
    await app.register(async (v21) => {
      registerMicroversions(v21, novaMicroversions());
      v21.get('/flavors', async (req) => ({ version: microversionOf(req).toString() }));
      v21.get('/flavors/:id', async () => { throw new NotFound('Flavor 7 could not be found.'); });
    }, { prefix: '/compute/v2.1' });
    app.get('/compute/', async () => ({ versions: [] }));
    return app;
  }

  afterEach(async () => {
    await app?.close();
  });

  it('echoes the version in both headers and sends Vary', async () => {
    const s = await server();
    const res = await s.inject({ url: '/compute/v2.1/flavors', headers: { 'X-OpenStack-Nova-API-Version': '2.61' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: '2.61' });
    expect(res.headers['x-openstack-nova-api-version']).toBe('2.61');
    expect(res.headers['openstack-api-version']).toBe('compute 2.61');
    expect(res.headers['vary']).toBe('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  });

  it('sends 2.1 when nothing was asked, and the maximum for latest', async () => {
    const s = await server();
    const none = await s.inject({ url: '/compute/v2.1/flavors' });
    expect(none.headers['openstack-api-version']).toBe('compute 2.1');
    const latest = await s.inject({ url: '/compute/v2.1/flavors', headers: { 'OpenStack-API-Version': 'compute latest' } });
    expect(latest.json()).toEqual({ version: '2.96' });
    expect(latest.headers['x-openstack-nova-api-version']).toBe('2.96');
  });

  it('puts the version headers on faults as well', async () => {
    const res = await (await server()).inject({ url: '/compute/v2.1/flavors/7', headers: { 'X-OpenStack-Nova-API-Version': '2.10' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['openstack-api-version']).toBe('compute 2.10');
    expect(res.json()).toEqual({ itemNotFound: { code: 404, message: 'Flavor 7 could not be found.' } });
  });

  it('answers too high a version with 406 computeFault and no version headers', async () => {
    const res = await (await server()).inject({ url: '/compute/v2.1/flavors', headers: { 'OpenStack-API-Version': 'compute 2.999' } });
    expect(res.statusCode).toBe(406);
    expect(res.json()).toEqual({
      computeFault: { code: 406, message: 'Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.96.' },
    });
    expect(res.headers['openstack-api-version']).toBeUndefined();
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-/);
  });

  it('answers a malformed version with 400 badRequest', async () => {
    const res = await (await server()).inject({ url: '/compute/v2.1/flavors', headers: { 'X-OpenStack-Nova-API-Version': 'banana' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      badRequest: { code: 400, message: 'API Version String banana is of invalid format. Must be of format MajorNum.MinorNum.' },
    });
  });

  it('leaves routes outside the registered context unversioned', async () => {
    const res = await (await server()).inject({ url: '/compute/', headers: { 'X-OpenStack-Nova-API-Version': 'banana' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['openstack-api-version']).toBeUndefined();
  });
});
