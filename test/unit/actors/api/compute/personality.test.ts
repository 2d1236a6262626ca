/**
 * Personality in POST /servers and in the rebuild action: one schema and one quota check, so both
 * refuse the same malformed personality with the same 400 message (worded by the innermost attribute,
 * as Nova does), refuse too many files with the same 403, accept the same valid one, and both lose it
 * at 2.57.
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

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function create(personality: unknown, version = '2.56') {
  // From 2.37 networks is required; 'none' needs no network.
  const server = { name: 'p', imageRef: fx.plan.images[0]!.id, flavorRef: '1', personality, ...(version === '2.1' ? {} : { networks: 'none' }) };
  return fx.call('POST', '/compute/v2.1/servers', { body: { server }, version });
}

async function rebuild(personality: unknown, version = '2.56') {
  return fx.call('POST', `/compute/v2.1/servers/${id}/action`, { body: { rebuild: { imageRef: fx.plan.images[0]!.id, personality } }, version });
}

/** Both answers' status and fault message; they must be equal. */
async function both(personality: unknown, version = '2.56') {
  const fault = (r: Awaited<ReturnType<typeof create>>) => {
    const body = r.json() as Record<string, { message?: string }>;
    return { status: r.statusCode, message: r.statusCode >= 400 ? Object.values(body)[0]?.message : undefined };
  };
  const c = fault(await create(personality, version));
  const r = fault(await rebuild(personality, version));
  expect(r, 'rebuild answers as create does').toEqual(c);
  return c;
}

describe('personality: create and rebuild share one definition', () => {
  it.each([
    ['contents that are not base64', [{ path: '/etc/motd', contents: 'not base64!' }], 'Invalid input for field/attribute contents. is not a base64 string'],
    ['contents cut short of a whole quad', [{ path: '/etc/motd', contents: 'aGk' }], 'Invalid input for field/attribute contents. is not a base64 string'],
    ['an attribute besides path and contents', [{ path: '/etc/motd', contents: b64('hi'), mode: '0644' }], "Additional properties are not allowed ('mode' was unexpected)"],
    ['a path that is not a string', [{ path: 5, contents: b64('hi') }], /^Invalid input for field\/attribute path\. /],
    ['no path', [{ contents: b64('hi') }], "'path' is a required property"],
    ['an item that is not an object', ['/etc/motd'], /^Invalid input for field\/attribute 0\. /],
    ['not a list', { path: '/etc/motd', contents: b64('hi') }, /^Invalid input for field\/attribute personality\. /],
    ['null', null, /^Invalid input for field\/attribute personality\. /],
  ])('%s: the same 400 with the same message', async (_what, personality, message) => {
    const got = await both(personality);
    expect(got.status).toBe(400);
    if (typeof message === 'string') expect(got.message).toBe(message);
    else expect(got.message).toMatch(message);
  });

  it('more files than injected_files, or a path or contents over their byte quotas: the same 403', async () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ path: `/etc/f${i}`, contents: b64('x') }));
    expect(await both(six)).toEqual({ status: 403, message: 'Quota exceeded for injected_files: Requested 6, but already used 0 of 5 injected_files' });
    expect(await both([{ path: `/${'p'.repeat(255)}`, contents: b64('x') }])).toMatchObject({ status: 403, message: expect.stringMatching(/^Quota exceeded for injected_file_path_bytes/) });
    expect(await both([{ path: '/big', contents: b64('x'.repeat(10241)) }])).toMatchObject({ status: 403, message: expect.stringMatching(/^Quota exceeded for injected_file_content_bytes/) });
  });

  it('a valid personality is accepted by both (the first microversion and the last one with it)', async () => {
    const ok = [{ path: '/etc/motd', contents: b64('hello\n') }, { path: '/root/.ssh/authorized_keys', contents: `${b64('ssh-ed25519 AAAA k')}\n` }];
    for (const version of ['2.1', '2.56']) {
      expect((await create(ok, version)).statusCode).toBe(202);
      expect((await rebuild(ok, version)).statusCode).toBe(202);
    }
    expect(await both([])).toEqual({ status: 202, message: undefined });
  });

  it('from 2.57 neither has personality, even a valid one', async () => {
    expect(await both([{ path: '/etc/motd', contents: b64('hi') }], '2.57')).toEqual({
      status: 400, message: "Additional properties are not allowed ('personality' was unexpected)",
    });
  });
});
