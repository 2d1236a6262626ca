/**
 * End to end: `/healthcheck` of cell processes follows their broker. Two `novacell cell run`
 * processes — the API cell (embedded broker) and leaf c1 on an external Mosquitto — each serving
 * /healthcheck (--http-listen). Stopping c1's Mosquitto turns c1's health check to 503 naming the
 * broker; starting it again on the same port brings 200 back. The API cell stays 200 throughout,
 * and its admin details show c1's link.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, startMosquitto, type RunningMosquitto } from '../support/external-services.ts';
import { NovacellProcess, runNovacell } from '../support/novacell-process.ts';
import { freePorts } from '../support/process-tree.ts';
import { until } from '../support/waits.ts';

const SKIP = !BIN.mosquitto || !BIN.mosquittoPasswd ? 'apt-get install -y mosquitto' : undefined;
const TITLE = `/healthcheck follows a cell's broker${SKIP ? ` (SKIPPED: ${SKIP})` : ''}`;

const dir = mkdtempSync(join(tmpdir(), 'novacell-health-'));
const procs: NovacellProcess[] = [];
let mosquitto: RunningMosquitto | undefined;

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function health(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(`${url}/healthcheck`, { headers });
  return { status: r.status, text: await r.text() };
}

describe.skipIf(!!SKIP)(TITLE, () => {
  it('turns 503 when the broker stops and 200 when it returns', { timeout: 180_000 }, async () => {
    const [apiPort, mqPort] = await freePorts(2);
    const topology = join(dir, 'topology.yaml');
    writeFileSync(topology, `version: 1
name: health
broker_tls: {mode: off}
data_dir: ${join(dir, 'data')}
api: {listen: "127.0.0.1:0"}
cell:
  name: api
  broker: {port: ${apiPort}}
  nova: {DEFAULT: {rpc_response_timeout: 4, report_interval: 2}}
  children:
    - name: c1
      broker: {url: "mqtt://127.0.0.1:${mqPort}", username: nova-c1, password: c1-secret}
      hosts:
        - {names: "h[1:2]", vcpus: 4, memory_mb: 8192, disk_gb: 100}
flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
`);
    const conf = join(dir, 'mosquitto');
    // Written afresh for every start: startMosquitto hashes the password list in place.
    const startBroker = async () => {
      const bc = await runNovacell(['broker-config', '--topology', topology, '--cell', 'api!c1', '--out', conf], join(dir, 'broker-config.log'));
      expect(bc.code).toBe(0);
      return startMosquitto(dir, mqPort!, join(conf, 'passwd'), join(conf, 'acl'));
    };
    mosquitto = await startBroker();

    const cell = (path: string) => {
      const p = new NovacellProcess(path, ['cell', 'run', '--topology', topology, '--cell', path, '--http-listen', '127.0.0.1:0'], join(dir, `${path}.log`));
      procs.push(p);
      return p;
    };
    const api = cell('api');
    await api.waitFor(/ready/, 60_000);
    const c1 = cell('api!c1');
    const urlOf = async (p: NovacellProcess) => /health (http:\/\/\S+)\/healthcheck/.exec(await p.waitFor(/ready/, 60_000))![1]!;
    const [apiUrl, c1Url] = [await urlOf(api), await urlOf(c1)];

    await until('c1 healthy', async () => (await health(c1Url)).status === 200, 30_000);
    expect(await health(c1Url)).toEqual({ status: 200, text: 'OK\n' });
    const metrics = await (await fetch(`${c1Url}/metrics`)).text();
    expect(metrics).toMatch(/^novacell_link_up\{cell="api!c1"\} 1$/m);

    await mosquitto.stop();
    mosquitto = undefined;
    const down = await until('c1 unhealthy', async () => {
      const h = await health(c1Url);
      return h.status === 503 ? h : undefined;
    }, 30_000);
    expect(down.text).toMatch(/^broker unreachable: cell api!c1 cannot reach its broker/);
    // Anyone gets the reasons as JSON; the API cell, whose own broker is fine, stays healthy.
    const json = await (await fetch(`${c1Url}/healthcheck`, { headers: { accept: 'application/json' } })).json();
    expect(json).toMatchObject({ detailed: false, reasons: [expect.stringMatching(/^broker unreachable/)] });
    expect((await health(apiUrl)).status).toBe(200);

    mosquitto = await startBroker();
    await until('c1 healthy again', async () => (await health(c1Url)).status === 200, 60_000);

    // Details for the API cell's admin login (novacell credentials --admin): its child's link.
    const cr = await runNovacell(['credentials', '--topology', topology, '--cell', 'api', '--admin'], join(dir, 'credentials.log'));
    const login = JSON.parse(cr.stdout) as { username: string; password: string };
    const basic = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
    const detailed = await (await fetch(`${apiUrl}/healthcheck`, { headers: { accept: 'application/json', authorization: basic } })).json() as {
      detailed: boolean; reasons: Array<{ class: string; details: Record<string, { children?: Record<string, string> }> }>;
    };
    expect(detailed.detailed).toBe(true);
    expect(detailed.reasons.map((r) => r.class)).toEqual(['BrokerHealthcheck', 'DatabaseHealthcheck', 'LinkHealthcheck']);
    expect(detailed.reasons[2]!.details['api']!.children).toEqual({ 'api!c1': 'up' });
    const wrong = `Basic ${Buffer.from(`${login.username}:nope`).toString('base64')}`;
    expect((await (await fetch(`${apiUrl}/healthcheck`, { headers: { accept: 'application/json', authorization: wrong } })).json()).detailed).toBe(false);
  });
});
