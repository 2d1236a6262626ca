/**
 * End to end: cross-cell cold migration with the real `openstack` CLI against `novacell up` on a tree
 * of two leaf cells with one fake host each (so a move can only leave its cell), with
 * compute:servers:resize:cross_cell allowed to admins. `server migrate --host <the other leaf's host>`
 * + `server resize confirm`: the admin's `server show` has the new host, the API cell's instance
 * mapping names the new leaf, the old host's memory is free again and the server can be stopped in its
 * new cell. A second server migrated by the scheduler's choice and reverted is back on its host with
 * its allocation. Skipped, saying so in its name, only when the openstack binary is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenstackCli, openstackCli } from '../support/openstack-cli.ts';
import { NovaClient, startUp, type Up } from '../support/up-process.ts';

const CLI = findOpenstackCli();
const TITLE = CLI
  ? 'cross-cell migration with the openstack CLI against novacell up'
  : 'cross-cell migration with the openstack CLI against novacell up (SKIPPED: no openstack binary; apt-get install -y python3-openstackclient)';
const HOST = 'OS-EXT-SRV-ATTR:host';
const HOSTS = { 'api!west': 'west1', 'api!east': 'east1' } as const;

const TOPOLOGY = `version: 1
name: xcell
data_dir: ./data
broker_base_port: 0
api: {listen: "127.0.0.1:0"}
regions: {local: {sites: {lab: {lat: 0, lon: 0}}}}
cell:
  name: api
  site: local/lab
  nova:
    policy: {"compute:servers:resize:cross_cell": "rule:admin_api"}
  children:
    - name: west
      hosts: [{names: [west1], driver: fake, driver_options: {spawn_time_ms: 50}, vcpus: 8, memory_mb: 16384, disk_gb: 100}]
    - name: east
      hosts: [{names: [east1], driver: fake, driver_options: {spawn_time_ms: 50}, vcpus: 8, memory_mb: 16384, disk_gb: 100}]
flavors:
  - {name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}
images:
  - {name: cirros, disk_format: qcow2, container_format: bare, min_disk: 1, min_ram: 64, visibility: public, size: 21430272}
projects: [{name: admin}]
users: [{name: admin, password: secretadmin, project: admin, roles: [admin]}]
`;

describe.skipIf(!CLI)(TITLE, () => {
  let up: Up | undefined;
  let dir = '';
  const home = mkdtempSync(join(tmpdir(), 'novacell-xcell-home-'));

  const { openstack, json } = openstackCli({ cli: CLI!, home, cloudsYaml: () => up!.cloudsYaml, log: () => up?.proc.stdout() });
  // Polls and figures over REST (the CLI's start-up costs seconds); the commands themselves are the CLI's.
  let nova: NovaClient;
  async function rest(id: string): Promise<Record<string, string>> {
    const r = await nova.request<{ server: Record<string, string> }>('GET', `/compute/v2.1/servers/${id}`);
    return r.body.server;
  }
  async function waitFor(id: string, ok: (s: Record<string, string>) => boolean, what: string): Promise<Record<string, string>> {
    let last: Record<string, string> = {};
    for (let i = 0; i < 300; i++) {
      last = await rest(id);
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server ${id} never became ${what}: ${JSON.stringify({ status: last['status'], host: last[HOST] })}`);
  }
  async function memoryUsed(host: string): Promise<number> {
    const r = await nova.request<{ hypervisors: Array<{ hypervisor_hostname: string; memory_mb_used: number }> }>('GET', '/compute/v2.1/os-hypervisors/detail');
    return r.body.hypervisors.find((h) => h.hypervisor_hostname === host)!.memory_mb_used;
  }
  const otherHost = (host: string) => (host === 'west1' ? 'east1' : 'west1');
  /** The cell the API cell's instance mapping names (in the API database, the only instance_mappings table). */
  async function mappedCell(uuid: string): Promise<string | null> {
    const db = knex({ client: 'sqlite3', connection: { filename: join(up!.dir, 'data', 'api.sqlite') }, useNullAsDefault: true });
    try {
      return ((await db('instance_mappings').where({ instance_uuid: uuid }).first()) as { cell: string | null } | undefined)?.cell ?? null;
    } finally {
      await db.destroy();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-xcell-'));
    writeFileSync(join(dir, 'xcell.yaml'), TOPOLOGY);
    up = await startUp(join(dir, 'xcell.yaml'), 'novacell-xcell-up-');
    nova = await NovaClient.login(up.url, 'admin', 'secretadmin', 'admin');
  }, 180_000);

  afterAll(async () => {
    await up?.proc.stop();
    if (up) rmSync(up.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('server migrate --host <host in the other leaf> + server resize confirm: new host, mapping in the new leaf', async () => {
    const created = await json<Record<string, string>>('server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'xc1');
    const id = created['id']!;
    const source = created[HOST]!;
    const dest = otherHost(source);
    const [sourceBefore, destBefore] = [await memoryUsed(source), await memoryUsed(dest)];
    await openstack('server', 'migrate', '--host', dest, '--os-compute-api-version', '2.56', 'xc1');
    const resized = await waitFor(id, (s) => s['status'] === 'VERIFY_RESIZE', 'VERIFY_RESIZE');
    expect(resized[HOST]).toBe(dest);
    // Until confirmed, both hosts hold it: the source by the migration, the destination by the instance.
    expect(await memoryUsed(source)).toBe(sourceBefore);
    expect(await memoryUsed(dest)).toBe(destBefore + 512);
    const migrations = await json<Array<Record<string, unknown>>>('server', 'migration', 'list', '--server', 'xc1', '--os-compute-api-version', '2.80');
    expect(migrations).toEqual([expect.objectContaining({ 'Source Compute': source, 'Dest Compute': dest, Status: 'finished', Type: 'migration' })]);

    await openstack('server', 'resize', 'confirm', 'xc1');
    await waitFor(id, (s) => s['status'] === 'ACTIVE', 'ACTIVE');
    const shown = await json<Record<string, string>>('server', 'show', 'xc1');
    expect(shown).toMatchObject({ status: 'ACTIVE', [HOST]: dest });
    expect(await mappedCell(id)).toBe(Object.entries(HOSTS).find(([, h]) => h === dest)![0]);
    expect(await memoryUsed(source)).toBe(sourceBefore - 512);
    // Its new cell owns it: a stop goes there and is carried out.
    await nova.request('POST', `/compute/v2.1/servers/${id}/action`, { 'os-stop': null });
    await waitFor(id, (s) => s['status'] === 'SHUTOFF', 'SHUTOFF');
  }, 180_000);

  it('server migrate (scheduler: the only other host is in the other leaf) + server resize revert: back with its allocation', async () => {
    const created = await json<Record<string, string>>('server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'xc2');
    const id = created['id']!;
    const source = created[HOST]!;
    const dest = otherHost(source);
    const [sourceBefore, destBefore] = [await memoryUsed(source), await memoryUsed(dest)];
    await openstack('server', 'migrate', 'xc2');
    const resized = await waitFor(id, (s) => s['status'] === 'VERIFY_RESIZE', 'VERIFY_RESIZE');
    expect(resized[HOST]).toBe(dest);
    await openstack('server', 'resize', 'revert', 'xc2');
    await waitFor(id, (s) => s['status'] === 'ACTIVE' && s[HOST] === source, 'ACTIVE on its source');
    expect(await json<Record<string, string>>('server', 'show', 'xc2')).toMatchObject({ status: 'ACTIVE', [HOST]: source });
    expect(await mappedCell(id)).toBe(Object.entries(HOSTS).find(([, h]) => h === source)![0]);
    expect(await memoryUsed(source)).toBe(sourceBefore);
    expect(await memoryUsed(dest)).toBe(destBefore);
  }, 180_000);
});
