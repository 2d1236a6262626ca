/**
 * Mutual TLS on a real embedded broker with certificates from the deployment CA: the certificate's
 * CN is the principal the ACLs apply to. A client without a certificate, with one from another CA,
 * with a revoked one, or claiming another username is refused; a cell's certificate cannot publish on
 * another cell's topics; a revocation written while a client is connected drops it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startBroker, type Broker } from '../../runtime/bus/index.ts';
import { brokerGuards, passwordVerifier, type BrokerCell } from '../../cells/security/index.ts';
import { CaStore, revokedSerials } from '../../actors/cert/index.ts';
import { until } from '../support/waits.ts';

const PARENT: BrokerCell = { path: 'api!eu', childPaths: ['api!eu!fra1', 'api!eu!ams1'], hostNames: [] };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let root: string;
let store: CaStore;
let other: CaStore;
let broker: Broker;
const clients: MqttClient[] = [];
const pem = (s: CaStore, name: string, ext: 'crt' | 'key') => readFileSync(join(s.paths.dir, `${name}.${ext}`));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'novacell-mtls-'));
  store = new CaStore(join(root, 'pki'), () => Date.now());
  other = new CaStore(join(root, 'other'), () => Date.now());
  await store.init('deployment CA');
  await other.init('someone else\'s CA');
  await store.issue('cell@api!eu', { commonName: 'cell@api!eu', usage: 'client+server', altNames: ['127.0.0.1'] });
  for (const n of ['link@api!eu!fra1', 'link@api!eu!ams1', 'link@api!eu!lis1']) await store.issue(n, { commonName: n, usage: 'client' });
  await other.issue('link@api!eu!fra1', { commonName: 'link@api!eu!fra1', usage: 'client' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker?.close();
});

function tlsOf() {
  return { ca: readFileSync(store.paths.caCert), cert: pem(store, 'cell@api!eu', 'crt'), key: pem(store, 'cell@api!eu', 'key'), crl: readFileSync(store.paths.crl) };
}

async function start(): Promise<void> {
  // Passwords are refused outright here: only a certificate can get a client in.
  const guards = brokerGuards(PARENT, passwordVerifier('x'.repeat(64), PARENT.path));
  broker = await startBroker({ port: 0, tls: tlsOf(), log: silent, ...guards });
}

/** Resolves with a connected client or rejects with the refusal (handshake or CONNACK). */
function connect(clientId: string, o: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(broker.url, { clientId, protocolVersion: 4, reconnectPeriod: 0, clean: true, ca: readFileSync(store.paths.caCert), ...o });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}
const asLink = (child: string, s: CaStore = store) => ({ cert: pem(s, `link@${child}`, 'crt'), key: pem(s, `link@${child}`, 'key') });

describe('brokers over mutual TLS', () => {
  it('listens on mqtts:// and admits a link by its certificate alone, with no password', async () => {
    await start();
    expect(broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const fra1 = await connect('link:api!eu!fra1', asLink('api!eu!fra1'));
    expect(fra1.connected).toBe(true);
    // The principal comes from the CN: it may read its own down topic, not its sibling's.
    expect((await fra1.subscribeAsync('nc/api!eu/down/api!eu!fra1', { qos: 1 }))[0]!.qos).toBe(1);
    const denied = await fra1.subscribeAsync('nc/api!eu/down/api!eu!ams1', { qos: 1 }).catch((e: { packet?: { granted?: number[] } }) => e.packet?.granted?.map((qos) => ({ qos })));
    expect((denied as Array<{ qos: number }>)[0]!.qos).toBe(128);
  });

  it('refuses a client without a certificate, even with the right password', async () => {
    await start();
    await expect(connect('link:api!eu!fra1', { username: 'link@api!eu!fra1', password: 'whatever' })).rejects.toThrow();
  });

  it('refuses a certificate from another CA', async () => {
    await start();
    await expect(connect('link:api!eu!fra1', asLink('api!eu!fra1', other))).rejects.toThrow();
  });

  it('refuses a certified client that claims another username, or a client id not its own', async () => {
    await start();
    await expect(connect('link:api!eu!fra1', { ...asLink('api!eu!fra1'), username: 'cell@api!eu' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connect('link:api!eu!ams1', asLink('api!eu!fra1'))).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('refuses a child this cell does not have, though its certificate is genuine', async () => {
    await start();
    await expect(connect('link:api!eu!lis1', asLink('api!eu!lis1'))).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it("will not let one cell's certificate publish on another cell's topic", async () => {
    await start();
    const cell = await connect('api!eu:cell', { cert: pem(store, 'cell@api!eu', 'crt'), key: pem(store, 'cell@api!eu', 'key') });
    const got: string[] = [];
    cell.on('message', (t) => got.push(t));
    await cell.subscribeAsync('nc/api!eu/#', { qos: 1 });
    const ams1 = await connect('link:api!eu!ams1', asLink('api!eu!ams1'));
    const fra1 = await connect('link:api!eu!fra1', asLink('api!eu!fra1'));
    const closed = new Promise<void>((r) => fra1.once('close', () => r()));
    fra1.publish('nc/api!eu/up/api!eu!ams1', 'forged', { qos: 1 });
    await closed;
    await ams1.publishAsync('nc/api!eu/up/api!eu!ams1', 'genuine', { qos: 1 });
    await until('the genuine report arrived', () => got.length > 0);
    expect(got).toEqual(['nc/api!eu/up/api!eu!ams1']);
  });

  it('drops a connected client when its certificate is revoked, and refuses it afterwards', async () => {
    await start();
    const ams1 = await connect('link:api!eu!ams1', asLink('api!eu!ams1'));
    const fra1 = await connect('link:api!eu!fra1', asLink('api!eu!fra1'));
    const dropped = new Promise<void>((r) => fra1.once('close', () => r()));
    await store.revoke('link@api!eu!fra1');
    const revoked = revokedSerials(readFileSync(store.paths.crl, 'utf8'));
    broker.reloadTls(tlsOf(), (s) => revoked.has(s.replace(/^0+/, '')));
    await dropped;
    expect(ams1.connected).toBe(true);
    await expect(connect('link:api!eu!fra1', asLink('api!eu!fra1'))).rejects.toThrow();
  });
});
