/**
 * One process per cell over mutual TLS: `novacell cert init` and `cert issue` make the deployment CA
 * and every certificate; the API cell, c1 (with grandchild g11) and c2 run as `novacell cell run`
 * processes whose brokers listen on mqtts:// and admit only certificates from that CA; g11's hosts
 * h1 and h2 are `novacell compute run` agents with only their own certificate (no secrets, no
 * password). The real `openstack` CLI builds, lists and deletes servers through the API cell's process
 * (skipped, saying so, without the binary). Then, as an attacker with real mqtt.js clients: no
 * certificate, a certificate from another CA, and plain mqtt:// are refused; a compute host's genuine
 * certificate cannot read or write another host's topics nor get into another cell's broker; a cell's
 * certificate is no key to another cell's broker. Finally `novacell cert revoke` on agent h2 cuts it
 * off without restarting anything.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CaStore } from '../../actors/cert/index.ts';
import { freePorts, ProcessTree } from '../support/process-tree.ts';
import { runNovacell } from '../support/novacell-process.ts';
import { findOpenstackCli, openstackCli } from '../support/openstack-cli.ts';
import { until } from '../support/waits.ts';

const CLI = findOpenstackCli();

/** The process tree of cell-processes.test.ts (mutual TLS by default) saying so explicitly, with a spare host h3 (no agent) in g11. */
class MtlsTree extends ProcessTree {
  constructor(dir: string, ports: number[]) {
    super(dir, ports);
    const yaml = readFileSync(this.topology, 'utf8').replace('data_dir:', 'broker_tls: {mode: mutual}\ndata_dir:').replace('"h[1:2]"', '"h[1:3]"');
    writeFileSync(this.topology, yaml);
  }

  tls(name: string): { ca: Buffer; cert: Buffer; key: Buffer } {
    return { ca: readFileSync(join(this.pki, 'ca.crt')), cert: readFileSync(join(this.pki, `${name}.crt`)), key: readFileSync(join(this.pki, `${name}.key`)) };
  }
}

const clients: MqttClient[] = [];
/** A raw client: resolves once connected, rejects on any refusal (TLS handshake or CONNACK). */
function connect(url: string, clientId: string, o: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, clean: true, connectTimeout: 10_000, ...o });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}
async function granted(c: MqttClient, pattern: string): Promise<number> {
  const g = await c.subscribeAsync(pattern, { qos: 1 }).catch((e: { packet?: { granted?: number[] } }) => e.packet?.granted?.map((qos) => ({ qos })));
  return (g as Array<{ qos: number }>)[0]!.qos;
}

describe('a cell tree of processes over mutual TLS', () => {
  let dir: string;
  let tree: MtlsTree;
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-e2e-mtls-'));
    tree = new MtlsTree(dir, await freePorts(4));
    for (const [i, c] of (['api', 'api!c1', 'api!c1!g11', 'api!c2'] as const).entries()) urls[c] = `mqtts://127.0.0.1:${tree.ports[i]}`;
    const init = await runNovacell(['cert', 'init', '--topology', tree.topology], join(dir, 'cert.log'));
    expect(init.code, init.stdout).toBe(0);
    const issue = await runNovacell(['cert', 'issue', '--topology', tree.topology], join(dir, 'cert.log'));
    expect(issue.code).toBe(0);
    // 4 cells, 3 links, 5 compute hosts (h1..h3, k1, k2) and the API.
    expect(issue.stdout).toMatch(/^13 certificate\(s\) issued/m);
    await tree.start({ agentsAfterLeaf: true });
  }, 240_000);

  afterAll(async () => {
    for (const c of clients.splice(0)) c.end(true);
    const exits = await tree?.stop();
    if (!process.env.NOVACELL_KEEP_E2E) rmSync(dir, { recursive: true, force: true });
    for (const [name, e] of exits ?? []) expect({ name, ...e }).toEqual({ name, code: 0, signal: null });
  }, 90_000);

  it('every cell listens on mqtts:// and the tree is up with agents that hold only their certificate', async () => {
    for (const c of ['api', 'api!c1', 'api!c1!g11', 'api!c2']) expect(await tree.cells.get(c)!.waitFor(/ready/)).toContain(`broker mqtts://127.0.0.1:`);
    const s = await until('both children and the grandchild are up', async () => {
      const st = await tree.status();
      const up = st.children.every((c) => c.link === 'up') && st.children.find((c) => c.cell === 'api!c1')?.status?.children[0]?.link === 'up';
      return up ? st : undefined;
    }, 60_000);
    expect(s.children.map((c) => c.cell).sort()).toEqual(['api!c1', 'api!c2']);
    // The operator's `novacell status` reaches the API cell's broker with the cell@api certificate.
    const st = await runNovacell(['status', '--topology', tree.topology], join(dir, 'status.log'));
    expect(st.code).toBe(0);
    expect(st.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0] === 'api' || /api!c/.test(l) ? 'cell' : l.slice(0, 4))).toEqual(['CELL', 'cell', 'cell', 'cell', 'cell']);
  });

  it.skipIf(!CLI)('the openstack CLI builds, lists and deletes servers through the API cell over mTLS links', { timeout: 300_000 }, async () => {
    const api = tree.cells.get('api')!;
    const clouds = /clouds\.yaml: (\S+)/.exec(await api.waitFor(/^clouds\.yaml: /, 30_000))![1]!;
    const home = mkdtempSync(join(tmpdir(), 'novacell-osc-home-'));
    const { openstack, json } = openstackCli({ cli: CLI!, home, cloudsYaml: clouds, timeoutMs: 150_000 });
    try {
      await openstack('server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--min', '4', '--max', '4', '--wait', 'tls');
      const servers = await json<Array<{ ID: string; Status: string }>>('server', 'list');
      expect(servers).toHaveLength(4);
      expect(servers.map((s) => s.Status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
      const hosts = await Promise.all(servers.map(async (s) => (await json<Record<string, string>>('server', 'show', s.ID))['OS-EXT-SRV-ATTR:host']));
      for (const h of hosts) expect(['h1', 'h2', 'k1', 'k2']).toContain(h);
      await openstack('server', 'delete', '--wait', ...servers.map((s) => s.ID));
      expect(await json('server', 'list')).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a client with no certificate, a certificate from another CA, or plain mqtt://', async () => {
    const ca = readFileSync(join(tree.pki, 'ca.crt'));
    for (const c of ['api', 'api!c1!g11']) {
      await expect(connect(urls[c]!, `${c}:intruder`, { ca, username: `cell@${c}`, password: 'guess' }), c).rejects.toThrow();
    }
    const other = new CaStore(join(dir, 'other-pki'), () => Date.now());
    await other.init('another CA');
    await other.issue('compute@h3', { commonName: 'compute@h3', usage: 'client' });
    const forged = { ca, cert: readFileSync(join(other.paths.dir, 'compute@h3.crt')), key: readFileSync(join(other.paths.dir, 'compute@h3.key')) };
    await expect(connect(urls['api!c1!g11']!, 'compute:h3', forged)).rejects.toThrow();
    await expect(connect(urls['api!c1!g11']!.replace('mqtts:', 'mqtt:'), 'compute:h3', { username: 'compute@h3', password: 'x' })).rejects.toThrow();
  });

  it("a compute host's certificate reaches only its own topics, and no other cell's broker", async () => {
    const h3 = tree.tls('compute@h3');
    const c = await connect(urls['api!c1!g11']!, 'compute:h3', h3);
    expect(await granted(c, 'nc/api!c1!g11/compute/h3')).toBe(1);
    for (const p of ['nc/api!c1!g11/compute/h1', 'nc/api!c1!g11/conductor', 'nc/api!c1!g11/#']) expect(await granted(c, p), p).toBe(128);
    // Forging h1's report to the conductor: the broker closes the connection instead.
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('nc/api!c1!g11/conductor/h1', '{"type":"x"}', { qos: 1 });
    await closed;
    // Its certificate is genuine, but c2's broker and the API cell's do not know compute@h3.
    await expect(connect(urls['api!c2']!, 'compute:h3', h3)).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connect(urls.api!, 'compute:h3', h3)).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it("a cell's certificate opens no other cell's broker", async () => {
    const c2 = tree.tls('cell@api!c2');
    await expect(connect(urls['api!c1']!, 'api!c1:cell', c2)).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connect(urls['api!c1']!, 'api!c2:cell', c2)).rejects.toThrow(/Bad username or password|Not authorized/i);
    const link = tree.tls('link@api!c2');
    await expect(connect(urls['api!c1']!, 'link:api!c2', link)).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('novacell cert revoke cuts a compute agent off without a restart', { timeout: 60_000 }, async () => {
    const r = await runNovacell(['cert', 'revoke', 'compute@h2', '--topology', tree.topology], join(dir, 'cert.log'));
    expect(r.code).toBe(0);
    await until('g11 dropped agent h2', () => readFileSync(tree.log('api!c1!g11'), 'utf8').includes('certificate was revoked'), 30_000);
    await expect(connect(urls['api!c1!g11']!, 'compute:h2', tree.tls('compute@h2'))).rejects.toThrow();
    // Another host's certificate still works.
    const h3 = await connect(urls['api!c1!g11']!, 'compute:h3', tree.tls('compute@h3'));
    expect(h3.connected).toBe(true);
  });
});
