/**
 * One process per cell and per compute host, on loopback: the API cell, two child cells and a
 * grandchild as `novacell cell run` processes (each its own broker port and SQLite file, brokers with
 * ACLs, linked over mutual TLS by default: the API cell makes the CA and the certificates on first
 * start), two `novacell compute run` agents holding only their certificate. Servers are built and
 * deleted through the cells; child cell c1 is SIGKILLed mid-burst and restarted; `novacell status`
 * shows the tree; every process stops cleanly on SIGTERM, and the API cell restarted on its data
 * directory still knows every server. Then the same tree with `broker_tls: {mode: off}` and the
 * grandchild on an external Mosquitto broker (password file and ACL from `novacell broker-config`)
 * and an external PostgreSQL database behaves the same. The two run one after the other (one file),
 * as each starts eight processes.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, ProcessTree } from '../support/process-tree.ts';
import { buildDeleteAndSurviveACrash } from '../support/process-tree-scenario.ts';
import { runNovacell } from '../support/novacell-process.ts';
import { until } from '../support/waits.ts';
import { createTestDatabase, externalSkipReason, startMosquitto, type RunningMosquitto, type TestDatabase } from '../support/external-services.ts';
import mqtt from 'mqtt';

let tree: ProcessTree | undefined;
let mosquitto: RunningMosquitto | undefined;
let database: TestDatabase | undefined;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'novacell-e2e-processes-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  await tree?.stop();
  await mosquitto?.stop();
  await database?.drop();
  if (!process.env.NOVACELL_KEEP_E2E) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a cell tree with one process per cell and per compute host', () => {
  it('builds and deletes through the cells, survives a SIGKILLed child cell mid-burst, and stops cleanly', { timeout: 150_000 }, async () => {
    const dir = tempDir();
    tree = new ProcessTree(dir, await freePorts(4));
    const t0 = Date.now();
    await tree.start();
    const startedMs = Date.now() - t0;
    // Mutual TLS by default: the API cell made the CA and every certificate on first start, every
    // broker listens on mqtts://, and the agents hold only their certificate (no secrets file).
    for (const c of tree.cells.values()) expect(await c.waitFor(/ready/)).toMatch(/broker mqtts:\/\/127\.0\.0\.1:\d+ \(embedded\)/);
    expect(readFileSync(join(dir, 'api.log'), 'utf8')).toContain('created the deployment CA');
    expect(statSync(join(dir, 'data', 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
    const { crashRecoveryMs } = await buildDeleteAndSurviveACrash(tree);
    process.stderr.write(`[e2e] embedded: tree up in ${startedMs} ms; c1 SIGKILLed mid-burst, every build ACTIVE ${crashRecoveryMs} ms after the kill\n`);

    const st = await runNovacell(['status', '--topology', tree.topology], join(dir, 'status.log'));
    expect(st.code).toBe(0);
    const lines = st.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^CELL\s+LINK\s+HOSTS UP/);
    expect(lines[1]).toMatch(/^api\s+top\s+4\/4\s+216\/256\s+25600\/46080\s+360\/400\s+40\s+m1\.tiny=48$/);
    expect(lines[2]).toMatch(/^├─ api!c1\s+up\s+2\/2\s/);
    expect(lines[3]).toMatch(/^│  └─ api!c1!g11\s+up\s+2\/2\s/);
    expect(lines[4]).toMatch(/^└─ api!c2\s+up\s+2\/2\s/);

    const exits = await tree.stop();
    for (const [name, e] of exits) expect({ name, ...e }).toEqual({ name, code: 0, signal: null });

    // The API cell alone, restarted on its data directory: every server is still there, ACTIVE.
    tree = new ProcessTree(dir, tree.ports);
    const api = tree.startCell('api');
    await api.waitFor(/ready/, 60_000);
    await tree.connectClient();
    const s = await tree.status(500);
    expect(s.instances).toBe(40);
    expect((await tree.api.list({ projectId: 'demo', userId: 'demo', reqId: 'req-after' }, true)).map((i) => i.vmState)).toEqual(Array(40).fill('active'));
    expect(s.children.map((c: { link: string }) => c.link)).toEqual(['down', 'down']);
  });
});

const SKIP = externalSkipReason();
const EXTERNAL = 'the same tree with one cell on an external Mosquitto broker and PostgreSQL database';

describe.skipIf(!!SKIP)(SKIP ? `${EXTERNAL} (SKIPPED: ${SKIP})` : EXTERNAL, () => {
  it('works like the embedded defaults, and the Mosquitto ACL keeps a compute agent to its own topics', { timeout: 150_000 }, async () => {
    await tree?.stop();
    const dir = tempDir();
    const ports = await freePorts(5);
    database = await createTestDatabase(`novacell_e2e_${process.pid}`);
    const external = { mqttUrl: `mqtt://127.0.0.1:${ports[4]}`, username: 'nova-g11', password: 'g11-secret', pgUrl: database.url };
    tree = new ProcessTree(dir, ports, external);
    const conf = join(dir, 'mosquitto');
    const bc = await runNovacell(['broker-config', '--topology', tree.topology, '--cell', 'api!c1!g11', '--out', conf], join(dir, 'broker-config.log'));
    expect(bc.code).toBe(0);
    mosquitto = await startMosquitto(dir, ports[4]!, join(conf, 'passwd'), join(conf, 'acl'));
    // Mosquitto cannot hold compute agents back until the cell is ready: start them after it.
    await tree.start({ agentsAfterLeaf: true });

    // h1's login on Mosquitto reads its own topic, never h2's or the conductor's (Mosquitto checks read
    // access per message, so a subscription it grants delivers nothing it may not read).
    const creds = JSON.parse(readFileSync(join(dir, 'h1.credentials.json'), 'utf8'));
    const probe = await mqtt.connectAsync(external.mqttUrl, { clientId: 'probe-h1', username: creds.username, password: creds.password, clean: true, reconnectPeriod: 0 });
    const cell = await mqtt.connectAsync(external.mqttUrl, { clientId: 'probe-cell', username: external.username, password: external.password, clean: true, reconnectPeriod: 0 });
    try {
      const seen: string[] = [];
      probe.on('message', (topic) => seen.push(topic));
      await probe.subscribeAsync(['nc/api!c1!g11/compute/h2', 'nc/api!c1!g11/conductor', 'nc/api!c1!g11/#', 'nc/api!c1!g11/compute/h1'], { qos: 1 });
      for (const t of ['nc/api!c1!g11/compute/h2', 'nc/api!c1!g11/conductor', 'nc/api!c1!g11/compute/h1']) {
        await cell.publishAsync(t, '{"probe":true}', { qos: 1 });
      }
      await until('h1 got its own message', () => seen.includes('nc/api!c1!g11/compute/h1'));
      expect(seen).toEqual(['nc/api!c1!g11/compute/h1']);
      // …and may not write to h2's topic (Mosquitto drops it silently).
      const h2seen: string[] = [];
      cell.on('message', (topic) => h2seen.push(topic));
      await cell.subscribeAsync('nc/api!c1!g11/compute/h2', { qos: 1 });
      await probe.publishAsync('nc/api!c1!g11/compute/h2', '{"forged":true}', { qos: 1 });
      await cell.publishAsync('nc/api!c1!g11/compute/h2', '{"real":true}', { qos: 1 });
      await until('the real message arrived', () => h2seen.length > 0);
      expect(h2seen).toHaveLength(1);
    } finally {
      await probe.endAsync();
      await cell.endAsync();
    }

    const { crashRecoveryMs } = await buildDeleteAndSurviveACrash(tree);
    process.stderr.write(`[e2e] external: c1 SIGKILLed mid-burst, every build ACTIVE ${crashRecoveryMs} ms after the kill\n`);
    const exits = await tree.stop();
    for (const [name, e] of exits) expect({ name, ...e }).toEqual({ name, code: 0, signal: null });
  });
});
