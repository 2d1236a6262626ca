/**
 * Certificate rotation without a restart, as `novacell cell run` wires it: a real broker over mutual
 * TLS watching its pki dir (watchBrokerTls) and a real MqttBus whose TLS material comes from the pki
 * dir at each reconnect (tlsProvider). `cert rotate` of the client's certificate revokes the old one:
 * the broker drops the link, which comes back by itself with the new certificate; rotating the
 * broker's own certificate changes what new handshakes see, with no restart of either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'aedes';
import { MqttBus, startBroker, type Broker } from '../../runtime/bus/index.ts';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { brokerGuards, passwordVerifier } from '../../cells/security/index.ts';
import { CaStore } from '../../actors/cert/index.ts';
import { brokerTlsOf, watchBrokerTls } from '../../cli/broker-tls.ts';
import { tlsMaterial, tlsProvider } from '../../cli/deployment.ts';
import { until } from '../support/waits.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as unknown as Logger;
const CELL = { path: 'api!eu', childPaths: ['api!eu!fra1'], hostNames: [] };
const LINK = 'link@api!eu!fra1';

let root: string;
let pki: string;
let store: CaStore;
let broker: Broker;
let bus: MqttBus;
let unwatch: () => void;
/** The serial of the certificate each connected client presented, by client id. */
const presented = new Map<string, string>();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'novacell-rotation-'));
  pki = join(root, 'pki');
  store = new CaStore(pki, () => Date.now());
  await store.init('rotation CA');
  await store.issue('cell@api!eu', { commonName: 'cell@api!eu', usage: 'client+server', altNames: ['127.0.0.1'] });
  await store.issue(LINK, { commonName: LINK, usage: 'client' });
  broker = await startBroker({ port: 0, tls: brokerTlsOf(pki, 'api!eu'), log: silent, ...brokerGuards(CELL, passwordVerifier('x'.repeat(64), CELL.path)) });
  broker.aedes.on('clientReady', (c: Client) => {
    const serial = (c.conn as unknown as tls.TLSSocket).getPeerCertificate().serialNumber.toLowerCase().replace(/^0+/, '');
    presented.set(c.id, serial);
  });
  unwatch = watchBrokerTls(broker, pki, 'api!eu', silent);
  bus = await MqttBus.connect({
    url: broker.url, clientId: 'link:api!eu!fra1', username: LINK, tls: tlsProvider(pki, LINK),
    clock: new RealClock(), rng: new SeededRng('rotation').stream('bus'), topicPrefix: 'nc/api!eu', reconnectPeriodMs: 100, log: silent,
  });
});

afterAll(async () => {
  unwatch?.();
  await bus?.close();
  await broker?.close();
  rmSync(root, { recursive: true, force: true });
});

const strip = (s: string) => s.toLowerCase().replace(/^0+/, '');

/** The serial of the certificate the broker presents to a new handshake. */
function brokerSerial(): Promise<string> {
  const m = tlsMaterial(pki, LINK);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: broker.port, ...m }, () => {
      resolve(strip(s.getPeerCertificate().serialNumber));
      s.destroy();
    });
    s.once('error', reject);
  });
}

describe('certificate rotation without a restart', () => {
  it("a rotated link certificate: the old one is dropped, the link comes back with the new one", { timeout: 60_000 }, async () => {
    const before = store.current(LINK)!.serial;
    await until('the link is up with its first certificate', () => presented.get('link:api!eu!fra1') === strip(before));
    const { issued, revoked } = await store.rotate(LINK, { commonName: LINK, usage: 'client' });
    expect(revoked).toEqual([before]);
    await until('the link is back with the new certificate', () => bus.connected() && presented.get('link:api!eu!fra1') === strip(issued.serial), 30_000);
    // The broker knows it by the new certificate's CN: its own down topic is granted, a sibling's is not.
    await expect(bus.subscribe('nc/api!eu/down/api!eu!fra1', () => undefined)).resolves.toBeDefined();
    await expect(bus.subscribe('nc/api!eu/down/api!eu!ams1', () => undefined)).rejects.toThrow(/refused/);
  });

  it("a rotated broker certificate is what new handshakes see", { timeout: 60_000 }, async () => {
    const before = store.current('cell@api!eu')!.serial;
    expect(await brokerSerial()).toBe(strip(before));
    const { issued } = await store.rotate('cell@api!eu', { commonName: 'cell@api!eu', usage: 'client+server', altNames: ['127.0.0.1'] });
    await until('the broker presents its new certificate', async () => (await brokerSerial()) === strip(issued.serial), 30_000);
  });
});
