/**
 * End to end: `novacell up` on the quickstart topology as a child process (temporary data directory,
 * free ports), driven by the real `openstack` CLI through the clouds.yaml it writes — token, flavors,
 * images, keypairs, a server's whole life (create --wait, list, show, reboot, stop/start,
 * delete --wait), hypervisors, compute services, an aggregate, a server group and the zones; one
 * server's request id followed through the log lines of every layer of the tree, and the request id
 * and user of its reboot, stop and start in `server event show`.
 * Skipped, saying so in its name, only when the openstack binary is not installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const QUICKSTART = join(ROOT, 'topology', 'examples', 'quickstart.yaml');

function findCli(): string | undefined {
  const candidates = [process.env['OPENSTACK_CLI'], '/usr/bin/openstack', '/usr/local/bin/openstack'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

const CLI = findCli();
const TITLE = CLI
  ? 'the openstack CLI against novacell up (quickstart)'
  : 'the openstack CLI against novacell up (SKIPPED: no openstack binary; apt-get install -y python3-openstackclient)';

interface Up {
  child: ChildProcess;
  url: string;
  cloudsYaml: string;
  output: () => string;
}

/** Start `novacell up` and wait for "novacell is up"; the API's address is read from its output. */
async function startUp(dataDir: string): Promise<Up> {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const child = spawn(process.execPath, [
    tsx, join(ROOT, 'cli', 'main.ts'), 'up', QUICKSTART,
    '--data-dir', dataDir, '--api-listen', '127.0.0.1:0', '--broker-base-port', '0',
  ], { cwd: ROOT, env: { ...process.env, NOVACELL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await new Promise<void>((ok, fail) => {
    const onExit = (code: number | null) => fail(new Error(`novacell up exited (${code}):\n${out}\n${err}`));
    child.once('exit', onExit);
    const check = () => {
      if (out.includes('novacell is up')) {
        child.off('exit', onExit);
        ok();
      }
    };
    child.stdout!.on('data', check);
  });
  const url = /API (http:\/\/\S+)/.exec(out)?.[1];
  const cloudsYaml = /clouds\.yaml: (\S+)/.exec(out)?.[1];
  if (!url || !cloudsYaml) throw new Error(`cannot read the API address from:\n${out}`);
  return { child, url, cloudsYaml, output: () => `${out}\n${err}` };
}

async function stop(up: Up | undefined): Promise<void> {
  if (!up || up.child.exitCode !== null) return;
  const exited = new Promise<void>((ok) => up.child.once('exit', () => ok()));
  up.child.kill('SIGTERM');
  const timer = setTimeout(() => up.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(!CLI)(TITLE, () => {
  let up: Up | undefined;
  let dataDir: string;
  const home = mkdtempSync(join(tmpdir(), 'novacell-osc-home-'));

  async function openstack(...args: string[]): Promise<string> {
    const env = { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', OS_CLIENT_CONFIG_FILE: up!.cloudsYaml, OS_CLOUD: 'novacell' };
    try {
      const { stdout } = await run(CLI!, args, { env, timeout: 90_000 });
      return stdout;
    } catch (e) {
      const x = e as { stderr?: string; message: string };
      throw new Error(`openstack ${args.join(' ')} failed: ${x.stderr ?? x.message}\n--- novacell output ---\n${up?.output().slice(-4000)}`);
    }
  }
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await openstack(...args, '-f', 'json')) as T;

  async function waitForStatus(name: string, status: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      const s = await json<{ status: string }>('server', 'show', name);
      if (s.status === status) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`server ${name} never reached ${status}`);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'novacell-up-'));
    up = await startUp(dataDir);
  }, 120_000);

  afterAll(async () => {
    await stop(up);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('writes a clouds.yaml only its owner can read', () => {
    expect(statSync(up!.cloudsYaml).mode & 0o777).toBe(0o600);
  });

  it('token issue: a token for the admin project', async () => {
    const t = await json<{ id: string; project_id: string; expires: string }>('token', 'issue');
    expect(t.id.length).toBeGreaterThan(20);
    expect(t.project_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('flavor list and flavor create', async () => {
    const flavors = await json<Array<{ Name: string; RAM: number; VCPUs: number }>>('flavor', 'list');
    expect(flavors.map((f) => f.Name)).toEqual(expect.arrayContaining(['m1.tiny', 'm1.small', 'ssd.small']));
    const f = await json<{ name: string; ram: number; vcpus: number; id: string }>('flavor', 'create', '--ram', '256', '--vcpus', '1', '--disk', '1', 'e2e.flavor');
    expect(f).toMatchObject({ name: 'e2e.flavor', ram: 256, vcpus: 1 });
    expect(f.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('image list shows the topology image', async () => {
    const images = await json<Array<{ Name: string; Status: string }>>('image', 'list');
    expect(images).toEqual([expect.objectContaining({ Name: 'cirros-0.6.2-x86_64-disk', Status: 'active' })]);
  });

  it('keypair create returns a private key generated by the server', async () => {
    const pem = await openstack('keypair', 'create', 'e2e-key');
    expect(pem).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const keys = await json<Array<{ Name: string; Fingerprint: string }>>('keypair', 'list');
    expect(keys).toEqual([expect.objectContaining({ Name: 'e2e-key', Fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/) })]);
  });

  it('a server: create --wait, list, show, reboot, stop/start, delete --wait', async () => {
    const created = await json<{ id: string; status: string; key_name: string; 'OS-EXT-SRV-ATTR:host': string }>(
      'server', 'create', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--key-name', 'e2e-key', '--wait', 'e2e-vm',
    );
    expect(created.status).toBe('ACTIVE');
    expect(created.key_name).toBe('e2e-key');
    expect(created['OS-EXT-SRV-ATTR:host']).toMatch(/^(compute|ssd)\d+$/);

    const list = await json<Array<{ ID: string; Name: string; Status: string; Flavor: string; Image: string }>>('server', 'list');
    expect(list).toEqual([expect.objectContaining({ ID: created.id, Name: 'e2e-vm', Status: 'ACTIVE', Flavor: 'm1.tiny', Image: 'cirros-0.6.2-x86_64-disk' })]);

    const shown = await json<{ id: string; name: string; flavor: string }>('server', 'show', 'e2e-vm');
    expect(shown).toMatchObject({ id: created.id, name: 'e2e-vm' });
    expect(shown.flavor).toContain('m1.tiny');

    await openstack('server', 'reboot', '--wait', 'e2e-vm');
    await openstack('server', 'stop', 'e2e-vm');
    await waitForStatus('e2e-vm', 'SHUTOFF');
    await openstack('server', 'start', 'e2e-vm');
    await waitForStatus('e2e-vm', 'ACTIVE');

    const events = await json<Array<{ Action: string }>>('server', 'event', 'list', 'e2e-vm');
    expect(events.map((e) => e.Action).sort()).toEqual(['create', 'reboot', 'start', 'stop']);

    await openstack('server', 'delete', '--wait', 'e2e-vm');
    expect(await json<unknown[]>('server', 'list')).toEqual([]);
  }, 120_000);

  it('one request id in the log lines of every layer; reboot/stop/start events carry the request id and user', async () => {
    // The admin hint target_cell sends it below the intermediate cell2: api → api!cell2 → api!cell2!cell2a → a host.
    const created = await json<{ id: string; 'OS-EXT-SRV-ATTR:host': string }>(
      'server', 'create', '--image', 'cirros-0.6.2-x86_64-disk', '--flavor', 'm1.tiny', '--hint', 'target_cell=api!cell2!cell2a', '--wait', 'e2e-trace',
    );
    const host = created['OS-EXT-SRV-ATTR:host'];
    expect(host).toMatch(/^(compute1\d|ssd0\d)$/);
    const events = await json<Array<{ 'Request ID': string; Action: string }>>('server', 'event', 'list', 'e2e-trace');
    const reqId = events.find((e) => e.Action === 'create')!['Request ID'];
    expect(reqId).toMatch(/^req-[0-9a-f-]{36}$/);

    const linesOf = (id: string) => up!.output().split('\n').filter((l) => l.startsWith('{') && l.includes(id));
    const raw = linesOf(reqId);
    // No key twice in a line (JSON.parse would silently keep the last one).
    for (const l of raw) for (const k of ['service', 'cell', 'host', 'request_id', 'instance_uuid']) expect(l.split(`"${k}":`).length, l).toBeLessThanOrEqual(2);
    const logged = raw.map((l) => JSON.parse(l) as Record<string, string | undefined>);
    const has = (what: string, p: (l: Record<string, string | undefined>) => boolean) => expect(logged.some(p), `${what}:\n${raw.join('\n')}`).toBe(true);
    has('the API', (l) => l.service === 'nova-api' && l.request_id === reqId && String(l.url).includes('/servers'));
    has('the API cell', (l) => l.cell === 'api' && l.instance_uuid === created.id && l.child === 'api!cell2');
    has('the intermediate cell', (l) => l.cell === 'api!cell2' && l.instance_uuid === created.id && l.child === 'api!cell2!cell2a');
    has('the leaf conductor', (l) => l.cell === 'api!cell2!cell2a' && l.service === 'nova-conductor' && l.instance_uuid === created.id);
    has('the scheduler', (l) => l.cell === 'api!cell2!cell2a' && l.service === 'nova-scheduler' && l.host === host);
    has('the compute host', (l) => l.cell === 'api!cell2!cell2a' && l.service === 'nova-compute' && l.host === host && l.instance_uuid === created.id);

    await openstack('server', 'reboot', '--wait', 'e2e-trace');
    await openstack('server', 'stop', 'e2e-trace');
    await waitForStatus('e2e-trace', 'SHUTOFF');
    await openstack('server', 'start', 'e2e-trace');
    await waitForStatus('e2e-trace', 'ACTIVE');
    const after = await json<Array<{ 'Request ID': string; Action: string }>>('server', 'event', 'list', 'e2e-trace');
    const token = await json<{ user_id: string; project_id: string }>('token', 'issue');
    for (const action of ['reboot', 'stop', 'start']) {
      const id = after.find((e) => e.Action === action)?.['Request ID'];
      expect(id, action).toMatch(/^req-[0-9a-f-]{36}$/);
      const shown = await json<{ request_id: string; user_id: string; project_id: string; action: string }>('server', 'event', 'show', 'e2e-trace', id!);
      expect(shown).toMatchObject({ action, request_id: id, user_id: token.user_id, project_id: token.project_id });
      const mine = linesOf(id!).map((l) => JSON.parse(l) as Record<string, string | undefined>);
      expect(mine.some((l) => l.service === 'nova-conductor' && l.instance_uuid === created.id), action).toBe(true);
      expect(mine.some((l) => l.service === 'nova-compute' && l.host === host && l.instance_uuid === created.id), action).toBe(true);
    }
    await openstack('server', 'delete', '--wait', 'e2e-trace');
  }, 420_000);

  it('hypervisor list and compute service list show the 20 fake hosts', async () => {
    const hypervisors = await json<Array<{ 'Hypervisor Hostname': string; State: string }>>('hypervisor', 'list');
    expect(hypervisors).toHaveLength(20);
    expect(hypervisors.every((h) => h.State === 'up')).toBe(true);
    const services = await json<Array<{ Binary: string; Host: string; State: string }>>('compute', 'service', 'list');
    expect(services.filter((s) => s.Binary === 'nova-compute')).toHaveLength(20);
    expect(services.filter((s) => s.Binary === 'nova-conductor').map((s) => s.Host).sort()).toEqual(['api!cell1', 'api!cell2!cell2a']);
  });

  it('aggregate create with a zone, server group create, availability zone list --compute', async () => {
    const agg = await json<{ name: string; availability_zone: string }>('aggregate', 'create', '--zone', 'e2e-az', 'e2e-agg');
    expect(agg).toMatchObject({ name: 'e2e-agg', availability_zone: 'e2e-az' });
    const group = await json<{ name: string; policy?: string; policies?: string }>('server', 'group', 'create', '--policy', 'anti-affinity', 'e2e-group');
    expect(group.name).toBe('e2e-group');
    expect(String(group.policy ?? group.policies)).toContain('anti-affinity');
    const zones = await json<Array<{ 'Zone Name': string; 'Zone Status': string }>>('availability', 'zone', 'list', '--compute');
    // Compute hosts are in the default zone; the cells' conductors and schedulers in "internal".
    expect(zones).toEqual(expect.arrayContaining([{ 'Zone Name': 'nova', 'Zone Status': 'available' }, { 'Zone Name': 'internal', 'Zone Status': 'available' }]));
    const hosts = await json<Array<{ 'Zone Name': string; 'Host Name': string; 'Service Name': string; 'Service Status': string }>>(
      'availability', 'zone', 'list', '--compute', '--long',
    );
    expect(hosts.filter((h) => h['Zone Name'] === 'nova' && h['Service Name'] === 'nova-compute')).toHaveLength(20);
    expect(hosts.every((h) => h['Service Status'].startsWith('enabled'))).toBe(true);
  });
});
