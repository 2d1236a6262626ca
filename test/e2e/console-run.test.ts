/**
 * `novacell console run` as its own process against a deployment of one process per cell: the API
 * cell and a leaf as `novacell cell run`, the leaf's fake host offering a real (scripted) VNC server
 * as its guests' console (driver option vnc_console). A token issued through the cells opens the
 * noVNC proxy process, which finds it by hash through the API cell's broker, has the compute host
 * validate the port, and runs the RFB security proxy; a bad token and a deleted server's token are
 * refused without the console being contacted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MqttBus } from '../../runtime/bus/index.ts';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import { RemoteCellsPort } from '../../cells/tree/remote-cells-port.ts';
import { cellUser } from '../../cells/security/index.ts';
import { tlsProvider } from '../../cli/deployment.ts';
import { cellPrefix } from '../../cells/topics.ts';
import '../../cells/messages.ts';
import { ByteReader } from '../../actors/console/proxies/byte-reader.ts';
import { freePorts } from '../support/process-tree.ts';
import { NovacellProcess } from '../support/novacell-process.ts';
import { until } from '../support/waits.ts';

const dir = mkdtempSync(join(tmpdir(), 'novacell-e2e-console-run-'));
const procs: NovacellProcess[] = [];
let bus: MqttBus | undefined;
let vncServer: Server | undefined;

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await bus?.close();
  await new Promise<void>((r) => (vncServer ? vncServer.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

function wsOpen(url: string): Promise<{ status: number; ws?: WebSocket; r: ByteReader }> {
  return new Promise((resolve) => {
    const r = new ByteReader();
    const ws = new WebSocket(url, ['binary']);
    ws.on('message', (d) => r.push(d as Buffer));
    ws.on('close', () => r.end(new Error('closed')));
    ws.on('open', () => resolve({ status: 101, ws, r }));
    ws.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode ?? 0, r }));
    ws.on('error', () => resolve({ status: 0, r }));
  });
}

describe('novacell console run against novacell cell run processes', () => {
  it('validates tokens through the tree from its own process, then proxies RFB', { timeout: 150_000 }, async () => {
    let vncConnections = 0;
    vncServer = createServer((s: Socket) => {
      vncConnections++;
      const r = new ByteReader();
      s.on('data', (d: Buffer) => r.push(d));
      s.on('close', () => r.end(new Error('closed')));
      s.on('error', () => undefined);
      void (async () => {
        s.write('RFB 003.008\n');
        await r.read(12);
        s.write(Buffer.from([1, 1]));
        await r.read(1);
        s.write(Buffer.from([0, 0, 0, 0]));
        await r.read(1);
        s.write('SERVERINIT');
      })().catch(() => s.destroy());
    });
    await new Promise<void>((r) => vncServer!.listen(0, '127.0.0.1', r));
    const vncPort = (vncServer.address() as AddressInfo).port;
    const [apiPort, c1Port] = await freePorts(2);
    const topology = join(dir, 'topology.yaml');
    writeFileSync(topology, `version: 1
name: e2e-console
data_dir: ${join(dir, 'data')}
api: {listen: "127.0.0.1:0"}
cell:
  name: api
  broker: {port: ${apiPort}}
  nova: {DEFAULT: {rpc_response_timeout: 4, report_interval: 2}}
  children:
    - name: c1
      broker: {port: ${c1Port}}
      hosts:
        - {names: h1, vcpus: 4, memory_mb: 8192, disk_gb: 100, driver_options: {spawn_time_ms: 100, vnc_console: "127.0.0.1:${vncPort}"}}
flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
projects: [{name: demo}]
`);
    for (const cell of ['api', 'api!c1']) procs.push(new NovacellProcess(cell, ['cell', 'run', '--topology', topology, '--cell', cell], join(dir, `${cell}.log`)));
    await Promise.all(procs.map((p) => p.waitFor(/ready/, 60_000)));
    const proxy = new NovacellProcess('console', ['console', 'run', 'novnc', '--topology', topology, '--listen', '127.0.0.1:0'], join(dir, 'console.log'));
    procs.push(proxy);
    const line = await proxy.waitFor(/console proxy novnc: listening on 127\.0\.0\.1:\d+/, 60_000);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);

    // Mutual TLS is the default: the API cell made the CA and cell@api's certificate in data/pki.
    bus = await MqttBus.connect({
      url: `mqtts://127.0.0.1:${apiPort}`, clientId: 'api:e2e-console-client', username: cellUser('api'),
      tls: tlsProvider(join(dir, 'data', 'pki'), cellUser('api')), clock: new RealClock(), rng: new SeededRng('e2e').stream('client'),
      topicPrefix: cellPrefix('api'), clean: true,
    });
    const api = new ComputeAPI(new RemoteCellsPort(bus, 'api', 20_000), new RealClock(), new SeededRng('e2e').stream('api'));
    const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-e2e-console' };
    const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
    const { instanceUuids: [uuid] } = await api.create({ name: 'vm', flavor, image: { id: 'cirros', properties: {} } }, ctx);
    await until('the server ACTIVE', async () => (await api.get(uuid!, ctx)).vmState === 'active', 60_000);

    expect((await wsOpen(`ws://127.0.0.1:${port}/?token=00000000-0000-4000-8000-000000000000`)).status).toBe(403);
    expect(vncConnections).toBe(0);
    const { token } = await api.getConsole(uuid!, 'novnc', ctx);
    const page = await fetch(`http://127.0.0.1:${port}/vnc_auto.html?path=${encodeURIComponent(`?token=${token}`)}`);
    expect(page.status).toBe(200);
    const c = await wsOpen(`ws://127.0.0.1:${port}/?token=${token}`);
    expect(c.status).toBe(101);
    expect((await c.r.read(12)).toString()).toBe('RFB 003.008\n');
    c.ws!.send(Buffer.from('RFB 003.008\n'));
    expect([...(await c.r.read(2))]).toEqual([1, 1]);
    c.ws!.send(Buffer.from([1]));
    expect([...(await c.r.read(4))]).toEqual([0, 0, 0, 0]);
    c.ws!.send(Buffer.from([1]));
    expect((await c.r.read(10)).toString()).toBe('SERVERINIT');
    c.ws!.terminate();
    expect(vncConnections).toBe(1);

    await api.delete(uuid!, ctx);
    await until('the server deleted', async () => api.get(uuid!, ctx).then(() => false, () => true), 60_000);
    expect((await wsOpen(`ws://127.0.0.1:${port}/?token=${token}`)).status).toBe(403);
    expect(vncConnections).toBe(1);
  });
});
