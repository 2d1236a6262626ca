/**
 * Remote consoles through the REST API: POST /servers/{id}/remote-consoles (2.6+, mks 2.8+), the
 * legacy get-console actions (2.1–2.5), GET /os-console-auth-tokens/{token} (admin); Nova's bodies,
 * 400 for unsupported types, 409 when the server is not running, 404 for another project's server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
let id: string;

beforeEach(async () => {
  fx = await apiFixture();
  id = await fx.createServer();
});
afterEach(async () => { await fx.close(); });

const remote = (body: unknown, o: { as?: 'demo' | 'alt' | 'admin'; version?: string } = {}) =>
  fx.call('POST', `/compute/v2.1/servers/${id}/remote-consoles`, { body, version: '2.6', ...o });
const tokenOf = (url: string) => decodeURIComponent(new URL(url).searchParams.get('path') ?? '').replace('?token=', '') || new URL(url).searchParams.get('token')!;

describe('remote consoles', () => {
  it('answers a noVNC URL of Nova\'s shape, with a uuid4 token the admin can look up', async () => {
    const res = await remote({ remote_console: { protocol: 'vnc', type: 'novnc' } });
    expect(res.statusCode).toBe(200);
    const rc = (res.json() as { remote_console: { protocol: string; type: string; url: string } }).remote_console;
    expect(rc.protocol).toBe('vnc');
    expect(rc.type).toBe('novnc');
    expect(rc.url).toMatch(/^http:\/\/127\.0\.0\.1:6080\/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/);
    const token = tokenOf(rc.url);
    const shown = await fx.call('GET', `/compute/v2.1/os-console-auth-tokens/${token}`, { as: 'admin', version: '2.31' });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({ console: { instance_uuid: id, host: '127.0.0.1', port: 5900, internal_access_path: null } });
    expect((await fx.call('GET', `/compute/v2.1/os-console-auth-tokens/${token}`, { version: '2.31' })).statusCode).toBe(403);
    expect((await fx.call('GET', `/compute/v2.1/os-console-auth-tokens/${token}`, { as: 'admin', version: '2.30' })).statusCode).toBe(400);
    expect((await fx.call('GET', '/compute/v2.1/os-console-auth-tokens/00000000-0000-4000-8000-000000000000', { as: 'admin', version: '2.31' })).statusCode).toBe(404);
    await fx.clock.advance(600_000);
    expect((await fx.call('GET', `/compute/v2.1/os-console-auth-tokens/${token}`, { as: 'admin', version: '2.31' })).statusCode).toBe(404);
  });

  it('xvpvnc answers the XVP proxy URL with ?token=', async () => {
    const res = await remote({ remote_console: { protocol: 'vnc', type: 'xvpvnc' } });
    expect((res.json() as { remote_console: { url: string } }).remote_console.url).toMatch(/^http:\/\/127\.0\.0\.1:6081\/console\?token=[0-9a-f-]{36}$/);
  });

  it('refuses unsupported types with 400 and a clear message', async () => {
    const spice = await remote({ remote_console: { protocol: 'spice', type: 'spice-html5' } });
    expect(spice.statusCode).toBe(400);
    expect(spice.json()).toEqual({ badRequest: { code: 400, message: 'Unavailable console type spice-html5.' } });
    const mks = await remote({ remote_console: { protocol: 'mks', type: 'webmks' } }, { version: '2.8' });
    expect(mks.statusCode).toBe(400);
    expect((mks.json() as { badRequest: { message: string } }).badRequest.message).toBe('Unavailable console type webmks.');
    expect((await remote({ remote_console: { protocol: 'mks', type: 'webmks' } })).statusCode).toBe(400);
    expect((await remote({ remote_console: { protocol: 'vnc', type: 'spice-html5' } })).json()).toEqual({ badRequest: { code: 400, message: 'Invalid console type spice-html5' } });
    expect((await remote({ remote_console: { protocol: 'vnc' } })).statusCode).toBe(400);
    expect((await remote({ remote_console: { protocol: 'vnc', type: 'novnc', extra: 1 } })).statusCode).toBe(400);
    expect((await remote({ remote_console: { protocol: 'rdp', type: 'rdp-html5' } })).statusCode).toBe(400);
  });

  it('is 409 while the server is not running, 404 for another project and before 2.6', async () => {
    expect((await fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body: { 'os-stop': null } })).statusCode).toBe(202);
    const stopped = await remote({ remote_console: { protocol: 'vnc', type: 'novnc' } });
    expect(stopped.statusCode).toBe(409);
    expect(stopped.json()).toEqual({ conflictingRequest: { code: 409, message: `Instance ${id} is not ready` } });
    expect((await remote({ remote_console: { protocol: 'vnc', type: 'novnc' } }, { as: 'alt' })).statusCode).toBe(404);
    expect((await remote({ remote_console: { protocol: 'vnc', type: 'novnc' } }, { version: '2.5' })).statusCode).toBe(404);
  });

  it('legacy actions answer {"console": {type, url}} up to 2.5 and are gone at 2.6', async () => {
    const act = (body: unknown, version = '2.1') => fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body, version });
    const vnc = await act({ 'os-getVNCConsole': { type: 'novnc' } });
    expect(vnc.statusCode).toBe(200);
    expect((vnc.json() as { console: { type: string; url: string } }).console).toMatchObject({ type: 'novnc', url: expect.stringContaining('vnc_auto.html?path=%3Ftoken%3D') });
    expect((await act({ 'os-getVNCConsole': { type: 'spice-html5' } })).statusCode).toBe(400);
    expect((await act({ 'os-getVNCConsole': {} })).statusCode).toBe(400);
    expect((await act({ 'os-getSPICEConsole': { type: 'spice-html5' } })).json()).toEqual({ badRequest: { code: 400, message: 'Unavailable console type spice-html5.' } });
    expect((await act({ 'os-getSerialConsole': { type: 'serial' } })).statusCode).toBe(400);
    expect((await act({ 'os-getVNCConsole': { type: 'novnc' } }, '2.6')).statusCode).toBe(400);
  });
});
