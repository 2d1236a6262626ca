/**
 * nova-api-metadata in a deployment of one process per cell: the API cell's `novacell cell run`
 * serves it beside the OpenStack APIs, and `novacell metadata run` serves it as its own process,
 * reading the instance through the API cell's broker (RemoteCellsPort) from the leaf that owns it.
 * Both answer a signed request for a server built through the cells with its uuid, key and user
 * data, and refuse a bad signature with 403.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MqttBus } from '../../runtime/bus/index.ts';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import { instanceIdSignature } from '../../actors/api/metadata/index.ts';
import { RemoteCellsPort } from '../../cells/tree/remote-cells-port.ts';
import { cellUser } from '../../cells/security/index.ts';
import { tlsProvider } from '../../cli/deployment.ts';
import { cellPrefix } from '../../cells/topics.ts';
import '../../cells/messages.ts';
import { freePorts } from '../support/process-tree.ts';
import { NovacellProcess } from '../support/novacell-process.ts';
import { until } from '../support/waits.ts';

const dir = mkdtempSync(join(tmpdir(), 'novacell-e2e-metadata-run-'));
const procs: NovacellProcess[] = [];
let bus: MqttBus | undefined;

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('nova-api-metadata with novacell cell run processes', () => {
  it('the API cell process and `novacell metadata run` answer signed requests from the owning leaf', { timeout: 150_000 }, async () => {
    const [apiPort, c1Port] = await freePorts(2);
    const topology = join(dir, 'topology.yaml');
    writeFileSync(topology, `version: 1
name: e2e-metadata
data_dir: ${join(dir, 'data')}
api: {listen: "127.0.0.1:0"}
cell:
  name: api
  broker: {port: ${apiPort}}
  nova: {DEFAULT: {rpc_response_timeout: 4, report_interval: 2}, neutron: {metadata_proxy_shared_secret: e2e-proxy-secret}}
  children:
    - name: c1
      broker: {port: ${c1Port}}
      hosts:
        - {names: h1, vcpus: 4, memory_mb: 8192, disk_gb: 100, driver_options: {spawn_time_ms: 100}}
flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
projects: [{name: demo}]
`);
    for (const cell of ['api', 'api!c1']) procs.push(new NovacellProcess(cell, ['cell', 'run', '--topology', topology, '--cell', cell], join(dir, `${cell}.log`)));
    await Promise.all(procs.map((p) => p.waitFor(/ready/, 60_000)));
    const apiCellMetadata = /metadata (http:\/\/\S+)/.exec(await procs[0]!.waitFor(/metadata http:\/\/\S+/, 30_000))![1]!;
    const md = new NovacellProcess('metadata', ['metadata', 'run', '--topology', topology, '--listen', '127.0.0.1:0'], join(dir, 'metadata.log'));
    procs.push(md);
    const ownMetadata = /metadata (http:\/\/\S+)/.exec(await md.waitFor(/metadata http:\/\/\S+/, 60_000))![1]!;

    // Mutual TLS is the default: the API cell made the CA and cell@api's certificate in data/pki.
    bus = await MqttBus.connect({
      url: `mqtts://127.0.0.1:${apiPort}`, clientId: 'api:e2e-metadata-client', username: cellUser('api'),
      tls: tlsProvider(join(dir, 'data', 'pki'), cellUser('api')), clock: new RealClock(), rng: new SeededRng('e2e').stream('client'),
      topicPrefix: cellPrefix('api'), clean: true,
    });
    const api = new ComputeAPI(new RemoteCellsPort(bus, 'api', 20_000), new RealClock(), new SeededRng('e2e').stream('api'));
    const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-e2e-metadata' };
    const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
    const { instanceUuids: [uuid] } = await api.create({
      name: 'md-vm', flavor, image: { id: 'cirros', properties: {} }, keyName: 'k',
      extra: { keyData: 'ssh-ed25519 AAAAe2e e2e@test', userData: Buffer.from('#!/bin/sh\necho e2e\n').toString('base64') },
    }, ctx);
    await until('the server ACTIVE', async () => (await api.get(uuid!, ctx)).vmState === 'active', 60_000);

    const headers = (sig = instanceIdSignature('e2e-proxy-secret', uuid!)) => ({ 'X-Instance-ID': uuid!, 'X-Tenant-ID': 'demo', 'X-Instance-ID-Signature': sig });
    for (const base of [apiCellMetadata, ownMetadata]) {
      const r = await fetch(`${base}/openstack/latest/meta_data.json`, { headers: headers() });
      expect(r.status, base).toBe(200);
      const meta = (await r.json()) as Record<string, unknown>;
      expect(meta).toMatchObject({ uuid, hostname: 'md-vm', project_id: 'demo', public_keys: { k: 'ssh-ed25519 AAAAe2e e2e@test' } });
      expect(await (await fetch(`${base}/latest/user-data`, { headers: headers() })).text()).toBe('#!/bin/sh\necho e2e\n');
      expect((await fetch(`${base}/openstack/latest/meta_data.json`, { headers: headers('0'.repeat(64)) })).status).toBe(403);
    }
    expect(readFileSync(join(dir, 'metadata.log'), 'utf8')).not.toMatch(/"level":(50|60)/);
  });
});
