/**
 * The API in one-process-per-cell mode: the API cell's `novacell cell run` serves the OpenStack APIs
 * on api.listen, and the real `openstack` CLI creates, lists, reboots and deletes servers through it —
 * builds travel over MQTT to the leaf cells (one with `compute run` agents). Skipped, saying so, only
 * when the openstack binary is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenstackCli, openstackCli } from '../support/openstack-cli.ts';
import { freePorts, ProcessTree } from '../support/process-tree.ts';

const CLI = findOpenstackCli();
const TITLE = CLI ? 'the openstack CLI against the API cell process' : 'the openstack CLI against the API cell process (SKIPPED: no openstack binary)';

describe.skipIf(!CLI)(TITLE, () => {
  let dir: string;
  let tree: ProcessTree;
  let clouds: string;
  const home = mkdtempSync(join(tmpdir(), 'novacell-osc-home-'));

  const { openstack, json } = openstackCli({ cli: CLI!, home, cloudsYaml: () => clouds });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-apiproc-'));
    tree = new ProcessTree(dir, await freePorts(4));
    await tree.start({ agentsAfterLeaf: true });
    const api = tree.cells.get('api')!;
    await api.waitFor(/^API http/, 30_000);
    clouds = /clouds\.yaml: (\S+)/.exec(await api.waitFor(/^clouds\.yaml: /, 30_000))![1]!;
  }, 180_000);

  afterAll(async () => {
    const exits = await tree?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    for (const [name, e] of exits ?? []) expect(e.code, name).toBe(0);
  }, 60_000);

  it('creates servers in the leaf cells, lists, reboots and deletes them', { timeout: 300_000 }, async () => {
    const flavors = await json<Array<{ Name: string }>>('flavor', 'list');
    expect(flavors.map((f) => f.Name)).toContain('m1.tiny');
    await openstack('server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--min', '4', '--max', '4', '--wait', 'vm');
    const servers = await json<Array<{ Name: string; Status: string; ID: string }>>('server', 'list');
    expect(servers).toHaveLength(4);
    expect(servers.every((s) => s.Status === 'ACTIVE')).toBe(true);
    const hosts = new Set<string>();
    for (const s of servers) hosts.add((await json<Record<string, string>>('server', 'show', s.ID))['OS-EXT-SRV-ATTR:host']!);
    for (const h of hosts) expect(['h1', 'h2', 'k1', 'k2']).toContain(h);

    const one = servers[0]!.ID;
    await openstack('server', 'reboot', '--wait', one);
    expect((await json<{ status: string }>('server', 'show', one)).status).toBe('ACTIVE');
    await openstack('server', 'delete', '--wait', ...servers.map((s) => s.ID));
    expect(await json<unknown[]>('server', 'list')).toEqual([]);
  });
});
