/**
 * The one-process-per-cell commands as a user meets them: `--help` on each (exit 0), usage mistakes
 * (exit 2, saying what is wrong and what would be right), a compute agent whose certificate never
 * comes (mutual TLS is the default: exit 2 after its wait, naming the command that issues it), runtime
 * failures such as no deployment to ask (exit 1), and `credentials` printing a login as JSON on stdout
 * (the certificate files over mutual TLS, a password with broker_tls off).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNovacell } from '../support/novacell-process.ts';
import { freePorts } from '../support/process-tree.ts';

const dir = mkdtempSync(join(tmpdir(), 'novacell-e2e-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function novacell(name: string, args: string[]) {
  const log = join(dir, `${name}.log`);
  const r = await runNovacell(args, log);
  return { ...r, output: readFileSync(log, 'utf8') };
}

describe('novacell cell run, compute run, status, credentials, broker-config', () => {
  it('answer --help, refuse mistakes with exit 2, and fail with exit 1 when no deployment answers', { timeout: 120_000 }, async () => {
    const [port] = await freePorts(1);
    const topology = join(dir, 't.yaml');
    writeFileSync(topology, `data_dir: ${join(dir, 'data')}
cell:
  name: api
  broker: {port: ${port}}
  children:
    - name: fra1
      broker: {port: 0}
      hosts: [{names: "c[1:2]", vcpus: 2, memory_mb: 2048, disk_gb: 10}]
`);
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, `broker_tls: {mode: off}\n${readFileSync(topology, 'utf8')}`);
    const runs = await Promise.all([
      ...['cell run', 'compute run', 'status', 'credentials', 'broker-config'].map((c, i) => novacell(`help${i}`, [...c.split(' '), '--help'])),
      novacell('unknown-cell', ['cell', 'run', '--topology', topology, '--cell', 'fra1']),
      novacell('no-topology', ['cell', 'run', '--cell', 'api']),
      novacell('port-zero', ['cell', 'run', '--topology', topology, '--cell', 'api!fra1']),
      novacell('wrong-host', ['compute', 'run', '--topology', topology, '--cell', 'api!fra1', '--host', 'c9']),
      novacell('two-kinds', ['credentials', '--topology', topology, '--cell', 'api!fra1', '--link', '--admin']),
      novacell('admin', ['credentials', '--topology', topology, '--cell', 'api', '--admin']),
      novacell('no-certificate', ['compute', 'run', '--topology', topology, '--cell', 'api!fra1', '--host', 'c1']),
      novacell('plain-admin', ['credentials', '--topology', plain, '--cell', 'api', '--admin']),
    ]);
    const [h1, h2, h3, h4, h5, unknown, noTopology, portZero, wrongHost, twoKinds, admin, noCertificate, plainAdmin] = runs;
    for (const [h, usage] of [[h1, 'novacell cell run'], [h2, 'novacell compute run'], [h3, 'novacell status'], [h4, 'novacell credentials'], [h5, 'novacell broker-config']] as const) {
      expect(h!.code).toBe(0);
      expect(h!.stdout).toContain(`Usage: ${usage} [options]`);
    }
    expect(unknown!.code).toBe(2);
    expect(unknown!.output).toContain('no cell "fra1" in the topology; did you mean "api!fra1"?');
    expect(noTopology!.code).toBe(2);
    expect(noTopology!.output).toContain("required option '--topology <file>' not specified");
    expect(portZero!.code).toBe(2);
    expect(portZero!.output).toContain('cell "api!fra1": its embedded broker has no fixed port');
    expect(wrongHost!.code).toBe(2);
    expect(wrongHost!.output).toContain('no host "c9" in cell "api!fra1" (its hosts: c1, c2)');
    expect(twoKinds!.code).toBe(2);
    expect(twoKinds!.output).toContain('pick exactly one of --host <name>, --link, --admin');
    expect(admin!.code).toBe(0);
    expect(JSON.parse(admin!.stdout)).toEqual({
      broker_cell: 'api', url: `mqtts://127.0.0.1:${port}`, username: 'cell@api', client_id: 'api:admin',
      ca_file: join(dir, 'data', 'pki', 'ca.crt'), cert_file: join(dir, 'data', 'pki', 'cell@api.crt'), key_file: join(dir, 'data', 'pki', 'cell@api.key'),
      password: expect.stringMatching(/^\S{16,}$/),
    });
    expect(plainAdmin!.code).toBe(0);
    expect(JSON.parse(plainAdmin!.stdout)).toMatchObject({ broker_cell: 'api', url: `mqtt://127.0.0.1:${port}`, username: 'cell@api', client_id: 'api:admin' });
    expect(plainAdmin!.output).not.toContain('cert_file');
    // No API cell ever made the CA: the agent waits for its certificate, then says how to get one.
    expect(noCertificate!.code).toBe(2);
    expect(noCertificate!.output).toContain(`novacell cert issue --topology ${topology} --name compute@c1`);
    expect(noCertificate!.output).toContain('broker_tls: {mode: off}');

    // Nothing is running: status (plain MQTT here) cannot reach the API cell's broker.
    const status = await novacell('status', ['status', '--topology', plain, '--timeout', '1']);
    expect(status.code).toBe(1);
    expect(status.output).toMatch(/novacell: the broker of cell api \(mqtt:\/\/127\.0\.0\.1:\d+\): MQTT connection failed/);
    expect(status.stdout).toBe('');
  });
});
