/**
 * `novacell up` on the quickstart topology as a child process (temporary data directory, free ports)
 * and a small Keystone/Nova REST client for it: a token, then servers created and waited for over
 * real HTTP.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NovacellProcess } from './novacell-process.ts';
import { until } from './waits.ts';

export const QUICKSTART = join(import.meta.dirname, '..', '..', 'topology', 'examples', 'quickstart.yaml');

export interface Up {
  proc: NovacellProcess;
  dir: string;
  url: string;
  cloudsYaml: string;
}

export async function startUp(topology = QUICKSTART, prefix = 'novacell-up-'): Promise<Up> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const proc = new NovacellProcess('up', ['up', topology, '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0', '--broker-base-port', '0'], join(dir, 'up.log'));
  await proc.waitFor(/novacell is up/, 120_000);
  const url = /API (http:\/\/\S+)/.exec(proc.stdout())![1]!;
  return { proc, dir, url, cloudsYaml: join(dir, 'data', 'clouds.yaml') };
}

export class NovaClient {
  private constructor(readonly url: string, readonly token: string) {}

  static async login(url: string, user: string, password: string, project: string): Promise<NovaClient> {
    const r = await fetch(`${url}/identity/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      } }),
    });
    if (r.status !== 201) throw new Error(`login ${user}: ${r.status} ${await r.text()}`);
    return new NovaClient(url, r.headers.get('x-subject-token')!);
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const r = await fetch(`${this.url}${path}`, {
      method, headers: { 'x-auth-token': this.token, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async imageId(): Promise<string> {
    const r = await this.request<{ images: Array<{ id: string }> }>('GET', '/image/v2/images');
    return r.body.images[0]!.id;
  }

  /** Create `n` servers, one request each; resolves with their ids. */
  async createServers(n: number, prefix: string, flavorRef = '1'): Promise<string[]> {
    const imageRef = await this.imageId();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await this.request<{ server: { id: string } }>('POST', '/compute/v2.1/servers', { server: { name: `${prefix}-${i}`, flavorRef, imageRef } });
      if (r.status !== 202) throw new Error(`create ${prefix}-${i}: ${r.status} ${JSON.stringify(r.body)}`);
      ids.push(r.body.server.id);
    }
    return ids;
  }

  async waitActive(ids: readonly string[], timeoutMs = 60_000): Promise<void> {
    await until(`${ids.length} servers ACTIVE`, async () => {
      const r = await this.request<{ servers: Array<{ id: string; status: string }> }>('GET', '/compute/v2.1/servers/detail');
      const want = new Set(ids);
      return r.body.servers.filter((s) => want.has(s.id) && s.status === 'ACTIVE').length === ids.length;
    }, timeoutMs);
  }
}
