/**
 * End to end: the Placement API of `novacell up` (quickstart tree) driven by the real `openstack` CLI
 * with python3-osc-placement: every compute host is a resource provider, inventories and usages match
 * the hypervisors, allocation candidates respect a forbidden trait, and a flavor with
 * trait:CUSTOM_…=required builds only on the provider given that trait.
 * Skipped, saying so in its name, when the openstack CLI or osc-placement is not installed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenstackCli, openstackCli } from '../support/openstack-cli.ts';
import { startUp, type Up } from '../support/up-process.ts';

const CLI = findOpenstackCli();
const OSC_PLACEMENT = existsSync('/usr/lib/python3/dist-packages/osc_placement');
const READY = !!CLI && OSC_PLACEMENT;
const TITLE = READY
  ? 'osc-placement against novacell up (quickstart)'
  : 'osc-placement against novacell up (SKIPPED: apt-get install -y python3-openstackclient python3-osc-placement)';

interface Provider { uuid: string; name: string; generation: number }

describe.skipIf(!READY)(TITLE, () => {
  let up: Up | undefined;
  const home = mkdtempSync(join(tmpdir(), 'novacell-osc-home-'));

  const { openstack, json } = openstackCli({
    cli: CLI!, home, cloudsYaml: () => up!.cloudsYaml, log: () => up?.proc.stdout(),
    env: { OS_PLACEMENT_API_VERSION: '1.39', OS_COMPUTE_API_VERSION: '2.87' },
  });

  beforeAll(async () => {
    up = await startUp(undefined, 'novacell-placement-');
  }, 180_000);

  afterAll(async () => {
    await up?.proc.stop();
    if (up) rmSync(up.dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('resource provider list shows every compute host', async () => {
    const rps = await json<Provider[]>('resource', 'provider', 'list');
    const hvs = await json<Array<{ 'Hypervisor Hostname': string }>>('hypervisor', 'list');
    expect(hvs.length).toBeGreaterThan(1);
    expect(rps.map((r) => r.name).sort()).toEqual(hvs.map((h) => h['Hypervisor Hostname']).sort());
  }, 180_000);

  it('inventory list and usage show match the hypervisor figures', async () => {
    const [rp] = await json<Provider[]>('resource', 'provider', 'list');
    const hv = await json<{ vcpus: number; memory_mb: number; local_gb: number; vcpus_used: number; memory_mb_used: number }>('hypervisor', 'show', rp!.name);
    const inv = await json<Array<{ resource_class: string; total: number }>>('resource', 'provider', 'inventory', 'list', rp!.uuid);
    const total = (rc: string) => inv.find((i) => i.resource_class === rc)?.total;
    expect(total('VCPU')).toBe(hv.vcpus);
    expect(total('MEMORY_MB')).toBe(hv.memory_mb);
    expect(total('DISK_GB')).toBe(hv.local_gb);
    const usage = await json<Array<{ resource_class: string; usage: number }>>('resource', 'provider', 'usage', 'show', rp!.uuid);
    expect(usage.find((u) => u.resource_class === 'VCPU')?.usage).toBe(hv.vcpus_used);
  }, 180_000);

  it('allocation candidates, a forbidden trait, and a flavor with trait:…=required builds only there', async () => {
    const rps = await json<Provider[]>('resource', 'provider', 'list');
    const all = await json<unknown[]>('allocation', 'candidate', 'list', '--resource', 'VCPU=1', '--resource', 'MEMORY_MB=512');
    expect(all.length).toBe(rps.length);

    await openstack('trait', 'create', 'CUSTOM_E2E_GOLD');
    const gold = rps[rps.length - 1]!;
    await openstack('resource', 'provider', 'trait', 'set', '--trait', 'CUSTOM_E2E_GOLD', gold.uuid);
    const traits = await json<Array<{ name: string }>>('resource', 'provider', 'trait', 'list', gold.uuid);
    expect(traits.map((t) => t.name)).toEqual(['CUSTOM_E2E_GOLD']);

    const without = await json<Array<{ 'resource provider': string }>>('allocation', 'candidate', 'list', '--resource', 'VCPU=1', '--resource', 'MEMORY_MB=512', '--forbidden', 'CUSTOM_E2E_GOLD');
    expect(without.length).toBe(rps.length - 1);
    expect(without.map((c) => c['resource provider'])).not.toContain(gold.uuid);
    const only = await json<Array<{ 'resource provider': string }>>('allocation', 'candidate', 'list', '--resource', 'VCPU=1', '--required', 'CUSTOM_E2E_GOLD');
    expect(only.map((c) => c['resource provider'])).toEqual([gold.uuid]);

    await openstack('flavor', 'create', '--ram', '256', '--vcpus', '1', '--disk', '1', '--property', 'trait:CUSTOM_E2E_GOLD=required', 'gold.tiny');
    const image = (await json<Array<{ ID: string }>>('image', 'list'))[0]!.ID;
    const hosts = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const s = await json<Record<string, string>>('server', 'create', '--flavor', 'gold.tiny', '--image', image, '--wait', `gold-${i}`);
      expect(s.status).toBe('ACTIVE');
      hosts.add(s['OS-EXT-SRV-ATTR:hypervisor_hostname']!);
    }
    expect([...hosts]).toEqual([gold.name]);
    const usage = await json<Array<{ resource_class: string; usage: number }>>('resource', 'provider', 'usage', 'show', gold.uuid);
    expect(usage.find((u) => u.resource_class === 'VCPU')?.usage).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
