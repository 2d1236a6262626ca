/**
 * A cell on an external Mosquitto with mutual TLS, configured only from what `novacell broker-config`
 * writes (the ACL file and tls.conf: CA, CRL, broker certificate, require_certificate,
 * use_identity_as_username). The logins `brokerLogin` builds for the cell, its compute hosts and a
 * stranger show Mosquitto applying the same policy as the embedded broker: the certificate's CN is the
 * user the ACL names; no certificate or another CA's is refused; a host sees only its own topic.
 * Skipped, saying so, without the mosquitto binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CaStore } from '../../actors/cert/index.ts';
import { deploymentCertificates } from '../../cells/security/index.ts';
import { brokerLogin, loadPlan, requireCell } from '../../cli/deployment.ts';
import { brokerConfig } from '../../cli/credentials.ts';
import { BIN } from '../support/external-services.ts';
import { freePorts } from '../support/process-tree.ts';
import { until } from '../support/waits.ts';

const TITLE = BIN.mosquitto ? 'Mosquitto with mutual TLS from broker-config' : 'Mosquitto with mutual TLS from broker-config (SKIPPED: no mosquitto binary)';

describe.skipIf(!BIN.mosquitto)(TITLE, () => {
  let dir: string;
  let port: number;
  let topology: string;
  let mosquitto: ChildProcess;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-mosq-tls-'));
    [port] = await freePorts(1);
    topology = join(dir, 't.yaml');
    writeFileSync(topology, `version: 1
name: mosq
data_dir: ${join(dir, 'data')}
broker_base_port: 0
broker_tls: {mode: mutual}
cell:
  name: api
  children:
    - name: iad1
      broker: {url: "mqtts://127.0.0.1:${port}"}
      hosts:
        - {names: "h[1:2]", vcpus: 4, memory_mb: 8192, disk_gb: 100}
`);
    const plan = loadPlan(topology);
    const store = new CaStore(plan.brokerTls.pkiDir, () => Date.now());
    await store.init('mosq CA');
    for (const c of deploymentCertificates(plan)) await store.issue(c.name, { commonName: c.name, usage: c.usage, altNames: c.altNames });
    const out = join(dir, 'mosquitto');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      brokerConfig({ topology, cell: 'api!iad1', out });
    } finally {
      process.stdout.write = write;
    }
    const conf = join(out, 'mosquitto.conf');
    writeFileSync(conf, [
      `listener ${port} 127.0.0.1`, readFileSync(join(out, 'tls.conf'), 'utf8'), 'allow_anonymous false', `acl_file ${join(out, 'acl')}`,
      'persistence false', 'user root', 'log_dest stderr', 'log_type error', '',
    ].join('\n'));
    mosquitto = spawn(BIN.mosquitto!, ['-c', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    await until('mosquitto listens', () => new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    }), 10_000);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients.splice(0)) c.end(true);
    mosquitto?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  function connect(clientId: string, o: IClientOptions): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const c = mqtt.connect(`mqtts://127.0.0.1:${port}`, { clientId, protocolVersion: 4, reconnectPeriod: 0, clean: true, ...o });
      clients.push(c);
      c.once('connect', () => resolve(c));
      c.once('error', reject);
      c.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }
  function as(principal: Parameters<typeof brokerLogin>[1]): IClientOptions {
    const l = brokerLogin(requireCell(loadPlan(topology), 'api!iad1'), principal, '');
    return { ...l.tls!(), username: l.username };
  }

  it("lets the cell and its hosts in by certificate, and a host hears only its own topic", async () => {
    const cell = await connect('api!iad1:conductor', as({ kind: 'cell', cell: 'api!iad1' }));
    const h1 = await connect('compute:h1', as({ kind: 'compute', host: 'h1' }));
    const heard: string[] = [];
    h1.on('message', (t) => heard.push(t));
    await h1.subscribeAsync('nc/api!iad1/compute/h1', { qos: 1 });
    await h1.subscribeAsync('nc/api!iad1/compute/h2', { qos: 1 }).catch(() => undefined);
    await h1.subscribeAsync('nc/api!iad1/#', { qos: 1 }).catch(() => undefined);
    await cell.publishAsync('nc/api!iad1/compute/h2', 'for h2', { qos: 1 });
    await cell.publishAsync('nc/api!iad1/conductor', 'for the conductor', { qos: 1 });
    await cell.publishAsync('nc/api!iad1/compute/h1', 'for h1', { qos: 1 });
    await until('h1 got its message', () => heard.includes('nc/api!iad1/compute/h1'));
    expect(heard).toEqual(['nc/api!iad1/compute/h1']);
  });

  it('refuses a client without a certificate, or with one from another CA', async () => {
    const ca = readFileSync(join(dir, 'data', 'pki', 'ca.crt'));
    await expect(connect('compute:h2', { ca, username: 'compute@h2', password: 'guess' })).rejects.toThrow();
    const other = new CaStore(join(dir, 'other'), () => Date.now());
    await other.init('other CA');
    await other.issue('compute@h2', { commonName: 'compute@h2', usage: 'client' });
    const forged = { ca, cert: readFileSync(join(other.paths.dir, 'compute@h2.crt')), key: readFileSync(join(other.paths.dir, 'compute@h2.key')) };
    await expect(connect('compute:h2', forged)).rejects.toThrow();
  });
});
