/**
 * What mutual TLS costs on a cell's embedded broker: connection set-up (TCP + MQTT CONNECT vs TLS
 * handshake with client certificate + CONNECT) and QoS-1 round trips (publish → broker → subscriber
 * → reply) over plain mqtt:// and mqtts://, same broker code and ACLs, ECDSA P-256 certificates from
 * the deployment CA. Prints medians and p99 per mode and the ratio mTLS/plain.
 *   npx tsx bench/broker-tls.ts [connects=200] [roundTrips=2000]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CaStore } from '../actors/cert/index.ts';
import { brokerGuards, brokerPassword, passwordVerifier, type BrokerCell } from '../cells/security/index.ts';
import { startBroker, type Broker } from '../runtime/bus/index.ts';
import { machine, median, percentile } from './machine.ts';

const [connects = 200, roundTrips = 2000] = process.argv.slice(2, 4).map(Number);
const CELL: BrokerCell = { path: 'bench', childPaths: [], hostNames: ['h1'] };
const SECRET = 's'.repeat(64);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function connect(url: string, o: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, clean: true, ...o });
    c.once('connect', () => {
      // As MqttBus does: small packets must not wait for Nagle's algorithm.
      if (c.stream instanceof Socket) c.stream.setNoDelay(true);
      resolve(c);
    });
    c.once('error', reject);
  });
}

async function measure(broker: Broker, login: (id: string) => IClientOptions): Promise<{ connect: number[]; rtt: number[] }> {
  const connectMs: number[] = [];
  for (let i = 0; i < connects; i++) {
    const t = performance.now();
    const c = await connect(broker.url, { clientId: 'bench:conductor', ...login('bench:conductor') });
    connectMs.push(performance.now() - t);
    await c.endAsync();
  }
  const a = await connect(broker.url, { clientId: 'bench:a', ...login('bench:a') });
  const b = await connect(broker.url, { clientId: 'bench:b', ...login('bench:b') });
  await b.subscribeAsync('nc/bench/ping', { qos: 1 });
  await a.subscribeAsync('nc/bench/pong', { qos: 1 });
  b.on('message', (_t, p) => b.publish('nc/bench/pong', p, { qos: 1 }));
  const rtt: number[] = [];
  for (let i = 0; i < roundTrips; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      a.once('message', () => resolve());
      a.publish('nc/bench/ping', String(i), { qos: 1 });
    });
    rtt.push(performance.now() - t);
  }
  await a.endAsync();
  await b.endAsync();
  return { connect: connectMs, rtt };
}

const dir = mkdtempSync(join(tmpdir(), 'novacell-bench-tls-'));
try {
  const store = new CaStore(join(dir, 'pki'), () => Date.now());
  await store.init('bench CA');
  await store.issue('cell@bench', { commonName: 'cell@bench', usage: 'client+server', altNames: ['127.0.0.1'] });
  const pem = (f: string) => readFileSync(join(store.paths.dir, f));
  const guards = brokerGuards(CELL, passwordVerifier(SECRET, CELL.path));
  const plain = await startBroker({ port: 0, log: silent, ...guards });
  const tls = await startBroker({ port: 0, log: silent, ...guards, tls: { ca: pem('ca.crt'), cert: pem('cell@bench.crt'), key: pem('cell@bench.key'), crl: pem('crl.pem') } });
  const user = 'cell@bench';
  const p = await measure(plain, () => ({ username: user, password: brokerPassword(SECRET, CELL.path, user) }));
  const m = await measure(tls, () => ({ ca: pem('ca.crt'), cert: pem('cell@bench.crt'), key: pem('cell@bench.key') }));
  await plain.close();
  await tls.close();
  const row = (name: string, x: number[]) => `${name.padEnd(22)} median ${median(x).toFixed(2).padStart(7)} ms   p99 ${percentile(x, 99).toFixed(2).padStart(7)} ms`;
  process.stdout.write(`${machine()}\n`);
  process.stdout.write(`${row('connect, plain', p.connect)}\n${row('connect, mTLS', m.connect)}\n`);
  process.stdout.write(`${row('round trip, plain', p.rtt)}\n${row('round trip, mTLS', m.rtt)}\n`);
  process.stdout.write(`mTLS / plain: connect ×${(median(m.connect) / median(p.connect)).toFixed(2)}, round trip ×${(median(m.rtt) / median(p.rtt)).toFixed(2)} (medians; ${connects} connects, ${roundTrips} round trips each)\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
