/** createHttpServer: request ids on every response, Nova fault bodies for every failure, body rules. */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, HttpError, type HttpServer } from '../../../../runtime/http/index.ts';
import { BadRequest, InstanceNotFound, NoValidHost } from '../../../../runtime/errors/index.ts';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { pino } from 'pino';
import { Writable } from 'node:stream';

const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let app: HttpServer;

function server(opts: { bodyLimit?: number } = {}): HttpServer {
  app = createHttpServer({
    log: createLogger({}, 'silent'),
    clock: new VirtualClock(),
    rng: new SeededRng('http-test').stream('request-ids'),
    ...opts,
  });
  app.get('/things', async () => ({ things: [] }));
  app.post('/things', async (req) => ({ got: req.body ?? null }));
  app.get('/things/:id', async (req) => {
    throw new InstanceNotFound((req.params as { id: string }).id);
  });
  app.get('/bad', async () => { throw new BadRequest('Invalid input for field/attribute name.'); });
  app.get('/novalid', async () => { throw new NoValidHost(); });
  app.get('/http-error', async () => { throw new HttpError(409, 'busy', { 'retry-after': '3' }); });
  app.get('/boom', async () => { throw new TypeError("Cannot read properties of undefined (reading 'x')"); });
  return app;
}

afterEach(async () => {
  await app?.close();
});

describe('request ids', () => {
  it('sets x-openstack-request-id and x-compute-request-id (the same req-<uuid>) on a success', async () => {
    const res = await server().inject({ method: 'GET', url: '/things' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-openstack-request-id']).toMatch(REQ_ID);
    expect(res.headers['x-compute-request-id']).toBe(res.headers['x-openstack-request-id']);
  });

  it('sets them on faults, unknown routes and 405s too', async () => {
    const s = server();
    for (const r of [
      { method: 'GET' as const, url: '/things/abc' },
      { method: 'GET' as const, url: '/nowhere' },
      { method: 'DELETE' as const, url: '/things' },
      { method: 'GET' as const, url: '/boom' },
      { method: 'POST' as const, url: '/things', payload: '{oops', headers: { 'content-type': 'application/json' } },
    ]) {
      const res = await s.inject(r);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.headers['x-openstack-request-id']).toMatch(REQ_ID);
      expect(res.headers['x-compute-request-id']).toBe(res.headers['x-openstack-request-id']);
    }
  });

  it('ignores a request id sent by the client and gives each request a new one', async () => {
    const s = server();
    const a = await s.inject({ method: 'GET', url: '/things', headers: { 'x-openstack-request-id': 'req-client' } });
    const b = await s.inject({ method: 'GET', url: '/things' });
    expect(a.headers['x-openstack-request-id']).not.toBe('req-client');
    expect(a.headers['x-openstack-request-id']).not.toBe(b.headers['x-openstack-request-id']);
  });

  it('draws ids from the injected stream, so a seed repeats them', async () => {
    const first = (await server().inject({ method: 'GET', url: '/things' })).headers['x-openstack-request-id'];
    await app.close();
    const again = (await server().inject({ method: 'GET', url: '/things' })).headers['x-openstack-request-id'];
    expect(again).toBe(first);
  });
});

describe('faults', () => {
  it('renders a NovaError with its code and Nova fault name', async () => {
    const res = await server().inject({ method: 'GET', url: '/things/abc' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ itemNotFound: { code: 404, message: 'Instance abc could not be found.' } });
  });

  it('renders a BadRequest as badRequest and a NoValidHost as computeFault with its message', async () => {
    const s = server();
    expect((await s.inject({ url: '/bad' })).json()).toEqual({
      badRequest: { code: 400, message: 'Invalid input for field/attribute name.' },
    });
    const nvh = await s.inject({ url: '/novalid' });
    expect(nvh.statusCode).toBe(500);
    expect(nvh.json()).toEqual({
      computeFault: { code: 500, message: 'No valid host was found. There are not enough hosts available.' },
    });
  });

  it('renders an HttpError with its extra headers', async () => {
    const res = await server().inject({ url: '/http-error' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.json()).toEqual({ conflictingRequest: { code: 409, message: 'busy' } });
  });

  it('answers an unexpected exception with a generic 500 computeFault that leaks no detail', async () => {
    const res = await server().inject({ url: '/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json() as { computeFault: { code: number; message: string } };
    expect(body.computeFault.code).toBe(500);
    expect(body.computeFault.message).toMatch(/^Unexpected API Error\./);
    expect(body.computeFault.message).toContain("<class 'TypeError'>");
    expect(body.computeFault.message).not.toContain('reading');
  });

  it('logs an unexpected exception at error level with its stack and the request id', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    app = createHttpServer({ log: pino({ level: 'error' }, sink), clock: new VirtualClock(), rng: new SeededRng('log').stream('r') });
    app.get('/boom', async () => { throw new TypeError('secret detail'); });
    const res = await app.inject({ url: '/boom' });
    const logged = lines.map((l) => JSON.parse(l) as { level: number; request_id?: string; err?: { stack?: string } });
    const entry = logged.find((l) => l.err?.stack?.includes('TypeError: secret detail'));
    expect(entry?.level).toBe(50);
    expect(entry?.request_id).toBe(res.headers['x-openstack-request-id']);
    expect(res.body).not.toContain('secret detail');
  });

  it('answers an unknown route with 404 itemNotFound', async () => {
    const res = await server().inject({ url: '/nowhere/at/all' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });

  it('answers a known path with an unknown method with 405 badMethod and Allow', async () => {
    const res = await server().inject({ method: 'PUT', url: '/things/' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('GET, HEAD, POST');
    expect(res.json()).toEqual({ badMethod: { code: 405, message: 'The method PUT is not allowed for this resource.' } });
  });
});

describe('request bodies', () => {
  it('parses JSON under application/json and the compute vendor type', async () => {
    const s = server();
    for (const type of ['application/json', 'application/json; charset=UTF-8', 'application/vnd.openstack.compute+json']) {
      const res = await s.inject({ method: 'POST', url: '/things', payload: '{"a": 1}', headers: { 'content-type': type } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ got: { a: 1 } });
    }
  });

  it('parses a body with no Content-Type or text/plain as JSON, as Nova does', async () => {
    const s = server();
    const none = await s.inject({ method: 'POST', url: '/things', payload: Buffer.from('{"a": 2}') });
    expect(none.json()).toEqual({ got: { a: 2 } });
    const text = await s.inject({ method: 'POST', url: '/things', payload: '{"a": 3}', headers: { 'content-type': 'text/plain' } });
    expect(text.json()).toEqual({ got: { a: 3 } });
  });

  it('treats an empty body as null', async () => {
    const res = await server().inject({ method: 'POST', url: '/things', payload: '', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ got: null });
  });

  it('answers malformed JSON with 400 "Malformed request body"', async () => {
    const res = await server().inject({ method: 'POST', url: '/things', payload: '{"a": ', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
  });

  it('refuses prototype-poisoning keys like malformed JSON', async () => {
    const res = await server().inject({
      method: 'POST', url: '/things', payload: '{"__proto__": {"admin": true}}', headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
  });

  it('answers another content type with 415 badMediaType', async () => {
    const res = await server().inject({ method: 'POST', url: '/things', payload: '<a/>', headers: { 'content-type': 'application/xml' } });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
  });

  it('answers a body over the limit with 413 overLimit', async () => {
    const s = server({ bodyLimit: 64 });
    const res = await s.inject({
      method: 'POST', url: '/things', payload: JSON.stringify({ pad: 'x'.repeat(100) }), headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ overLimit: { code: 413, message: 'The body of your request was too large for this server.' } });
    expect(res.headers['x-openstack-request-id']).toMatch(REQ_ID);
  });

  it('defaults the limit to oslo.middleware max_request_body_size (114688 bytes)', async () => {
    const s = server();
    const ok = await s.inject({ method: 'POST', url: '/things', payload: JSON.stringify({ pad: 'x'.repeat(100_000) }) });
    expect(ok.statusCode).toBe(200);
    const big = await s.inject({ method: 'POST', url: '/things', payload: JSON.stringify({ pad: 'x'.repeat(120_000) }) });
    expect(big.statusCode).toBe(413);
  });
});
