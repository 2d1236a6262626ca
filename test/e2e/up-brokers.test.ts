/**
 * `novacell up` closes every embedded broker as multi-process mode does: real mqtt.js clients are
 * refused without credentials and with a wrong password on each broker; a valid principal cannot take
 * another principal's client id (so no one can knock a link off); a link login cannot read another
 * child's topics. `novacell status` finds the running `up` from the same topology and data dir.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerPassword, computeClientId, computeUser, linkClientId, linkUser } from '../../cells/security/index.ts';
import { computeTopic } from '../../cells/topics.ts';
import { NovacellProcess } from '../support/novacell-process.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const QUICKSTART = join(ROOT, 'topology', 'examples', 'quickstart.yaml');
const TSX = createRequire(import.meta.url).resolve('tsx/cli');

let dir: string;
let up: NovacellProcess;
let brokers: Array<[string, string]>;
let secret: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-upb-'));
  up = new NovacellProcess('up', ['up', QUICKSTART, '--data-dir', dir, '--api-listen', '127.0.0.1:0', '--broker-base-port', '0'], join(dir, 'up.log'));
  await up.waitFor(/novacell is up/, 120_000);
  brokers = [...up.stdout().matchAll(/^cell (\S+): broker (mqtt:\/\/\S+?)(,|$)/gm)].map((m) => [m[1]!, m[2]!]);
  secret = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).broker_secret;
}, 180_000);

afterAll(async () => {
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The CONNACK verdict: 'ok', or the refusal code. */
function tryConnect(url: string, opts: mqtt.IClientOptions): Promise<'ok' | number | string> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, clean: true, ...opts });
    const done = (v: 'ok' | number | string) => { c.end(true); resolve(v); };
    c.once('connect', () => done('ok'));
    c.once('error', (e) => done((e as { code?: number }).code ?? e.message));
    c.once('close', () => done('closed'));
  });
}

describe('novacell up: closed brokers', () => {
  it('has four brokers and a private secrets file', () => {
    expect(brokers.map(([c]) => c)).toEqual(['api', 'api!cell1', 'api!cell2', 'api!cell2!cell2a']);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses an anonymous client on every broker', async () => {
    for (const [cell, url] of brokers) {
      // CONNACK 4 (bad user name or password): MQTT 3.1.1 §3.2.2.3.
      expect(await tryConnect(url, { clientId: 'intruder' }), cell).toBe(4);
      expect(await tryConnect(url, { clientId: `${cell}:cell` }), cell).toBe(4);
    }
  });

  it('refuses a wrong password and a made-up user on every broker', async () => {
    for (const [cell, url] of brokers) {
      expect(await tryConnect(url, { clientId: `${cell}:x`, username: `cell@${cell}`, password: 'guess' }), cell).toBe(4);
      expect(await tryConnect(url, { clientId: 'x', username: 'admin', password: 'admin' }), cell).toBe(4);
    }
  });

  it("a child's link login cannot take another link's client id, nor the cell's own ids", async () => {
    const api = brokers[0]![1];
    const user = linkUser('api!cell1');
    const password = brokerPassword(secret, 'api', user);
    expect(await tryConnect(api, { clientId: linkClientId('api!cell2'), username: user, password })).toBe(4);
    expect(await tryConnect(api, { clientId: 'api:cell', username: user, password })).toBe(4);
  });

  it("a compute host's login reads only its own topics on its leaf broker", async () => {
    const [, leaf] = brokers.find(([c]) => c === 'api!cell1')!;
    const user = computeUser('compute01');
    const c = await mqtt.connectAsync(leaf, {
      clientId: computeClientId('compute01'), username: user, password: brokerPassword(secret, 'api!cell1', user), reconnectPeriod: 0, clean: true,
    });
    try {
      const own = await c.subscribeAsync(computeTopic('api!cell1', 'compute01'), { qos: 1 });
      expect(own[0]!.qos).toBe(1);
      // SUBACK 0x80 (failure), which mqtt.js turns into a rejected subscribe.
      await expect(c.subscribeAsync(computeTopic('api!cell1', 'compute02'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
      await expect(c.subscribeAsync('nc/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    } finally {
      await c.endAsync(true);
    }
    // The same login on another cell's broker is refused.
    const [, other] = brokers.find(([p]) => p === 'api!cell2!cell2a')!;
    expect(await tryConnect(other, { clientId: computeClientId('compute01'), username: user, password: brokerPassword(secret, 'api!cell1', user) })).toBe(4);
  });

  it('novacell status finds the running up by its topology and data dir', async () => {
    const { stdout } = await run(process.execPath, [TSX, join(ROOT, 'cli', 'main.ts'), 'status', QUICKSTART, '--data-dir', dir, '--json'], { cwd: ROOT, timeout: 60_000 });
    const s = JSON.parse(stdout) as { cell: string; children: Array<{ cell: string; state: string }> };
    expect(s.cell).toBe('api');
    expect(s.children.map((c) => c.cell).sort()).toEqual(['api!cell1', 'api!cell2']);
  }, 90_000);
});
