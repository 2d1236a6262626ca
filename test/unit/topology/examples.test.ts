/**
 * The example topologies shipped with novacell load, validate and resolve to the deployment their
 * comments describe.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCell, loadTopology, resolvePlan } from '../../../topology/index.ts';

const example = (name: string) => fileURLToPath(new URL(`../../../topology/examples/${name}`, import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/topology/${name}`, import.meta.url));

describe('quickstart.yaml', () => {
  const plan = resolvePlan(loadTopology(example('quickstart.yaml'), { env: {} }));

  it('is an API cell with two children and one grandchild', () => {
    expect(plan.cells.map((c) => [c.path, c.depth, c.parentPath])).toEqual([
      ['api', 0, null],
      ['api!cell1', 1, 'api'],
      ['api!cell2', 1, 'api'],
      ['api!cell2!cell2a', 2, 'api!cell2'],
    ]);
    expect(plan.cells.filter((c) => c.isLeaf).map((c) => c.path)).toEqual(['api!cell1', 'api!cell2!cell2a']);
  });

  it('enables the AggregateInstanceExtraSpecsFilter its ssd.small flavor relies on, in every leaf cell', () => {
    for (const leaf of plan.cells.filter((c) => c.isLeaf)) {
      expect(leaf.nova.filter_scheduler.enabled_filters).toContain('AggregateInstanceExtraSpecsFilter');
    }
    // cell2's own option still applies on top of the inherited list.
    expect(findCell(plan, 'api!cell2!cell2a')!.nova.filter_scheduler.ram_weight_multiplier).toBe(-1);
  });

  it('has 20 fake hosts in the leaf cells', () => {
    expect(plan.hosts).toHaveLength(20);
    expect(plan.hosts.every((h) => h.driver === 'fake' && h.hypervisor_type === 'fake')).toBe(true);
    expect(findCell(plan, 'api!cell1')!.hostNames).toEqual([
      'compute01', 'compute02', 'compute03', 'compute04', 'compute05',
      'compute06', 'compute07', 'compute08', 'compute09', 'compute10',
    ]);
    expect(findCell(plan, 'api!cell2!cell2a')!.hostNames.slice(-2)).toEqual(['ssd01', 'ssd02']);
  });

  it('runs embedded brokers on consecutive ports and SQLite files in ./data', () => {
    expect(plan.cells.map((c) => c.broker)).toEqual([1883, 1884, 1885, 1886].map((port) => ({
      kind: 'embedded', host: '127.0.0.1', port, url: `mqtt://127.0.0.1:${port}`,
    })));
    expect(plan.cells.map((c) => c.database)).toEqual(
      ['api', 'api.cell1', 'api.cell2', 'api.cell2.cell2a'].map((n) => ({ kind: 'sqlite', file: `data/${n}.sqlite` })),
    );
    expect(plan.api).toEqual({ host: '127.0.0.1', port: 8774, listen: '127.0.0.1:8774', publicUrl: 'http://127.0.0.1:8774' });
  });

  it('has the m1 flavors, a cirros image and admin/demo/alt_demo users', () => {
    expect(plan.flavors.slice(0, 5).map((f) => [f.name, f.id])).toEqual([
      ['m1.tiny', '1'], ['m1.small', '2'], ['m1.medium', '3'], ['m1.large', '4'], ['m1.xlarge', '5'],
    ]);
    expect(plan.images.map((i) => i.name)).toEqual(['cirros-0.6.2-x86_64-disk']);
    expect(plan.users.map((u) => [u.name, u.project, u.roles])).toEqual([
      ['admin', 'admin', ['admin']], ['demo', 'demo', ['member']], ['alt_demo', 'alt_demo', ['member']],
    ]);
    expect(plan.defaults.flavor?.name).toBe('m1.tiny');
    expect(plan.defaults.image?.name).toBe('cirros-0.6.2-x86_64-disk');
  });

  it('lets cell2 stack instances, and its grandchild inherit that', () => {
    expect(findCell(plan, 'api!cell1')!.nova.filter_scheduler.ram_weight_multiplier).toBe(1.0);
    expect(findCell(plan, 'api!cell2!cell2a')!.nova.filter_scheduler.ram_weight_multiplier).toBe(-1.0);
    expect(findCell(plan, 'api!cell2!cell2a')!.nova.DEFAULT.cpu_allocation_ratio).toBe(8.0);
  });
});

describe('multisite.yaml', () => {
  const topology = loadTopology(example('multisite.yaml'), { env: {} });
  const plan = resolvePlan(topology);

  it('spans 3 regions on 2 continents', () => {
    expect(Object.keys(topology.regions)).toEqual(['eu', 'us-east', 'us-west']);
    const lons = plan.sites.map((s) => s.lon);
    expect(lons.some((l) => l > 0) && lons.some((l) => l < -60)).toBe(true);
  });

  it('has 1,000 hosts in 7 leaf cells out of 11', () => {
    expect(plan.hosts).toHaveLength(1000);
    expect(new Set(plan.hosts.map((h) => h.name)).size).toBe(1000);
    expect(plan.cells).toHaveLength(11);
    expect(plan.cells.filter((c) => c.isLeaf).map((c) => [c.path, c.hostNames.length])).toEqual([
      ['api!eu!fra1', 200], ['api!eu!fra2', 100], ['api!eu!ams1', 150],
      ['api!us-east!iad1', 150], ['api!us-east!nyc1', 100],
      ['api!us-west!sfo1', 150], ['api!us-west!sea1', 150],
    ]);
  });

  it('places cells at their sites, inheriting the parent site when unset', () => {
    expect(findCell(plan, 'api!eu!fra1')!.site?.ref).toBe('eu/fra');
    expect(findCell(plan, 'api!eu!ams1')!.site).toMatchObject({ ref: 'eu/ams', lat: 52.3676, lon: 4.9041 });
    expect(findCell(plan, 'api!us-east!iad1')!.site?.ref).toBe('us-east/iad');
  });

  it('uses an external broker and databases with fallbacks for unset secrets', () => {
    expect(findCell(plan, 'api!us-east')!.broker).toEqual({
      kind: 'external', url: 'mqtts://mq.iad.example.net:8883', username: 'nova-us-east', password: 'change-me', caFile: '/etc/novacell/ca.pem',
    });
    expect(findCell(plan, 'api')!.database).toEqual({ kind: 'postgres', url: 'postgres://nova:change-me@db.fra.example.net:5432/nova_api' });
    const withSecret = resolvePlan(loadTopology(example('multisite.yaml'), { env: { NOVACELL_ADMIN_PASSWORD: 's3cr3t' } }));
    expect(withSecret.users[0]!.password).toBe('s3cr3t');
  });

  it('merges hardware profiles and derives zones from aggregates', () => {
    const gpu = plan.hosts.find((h) => h.name === 'iad1-gpu01')!;
    expect(gpu).toMatchObject({ vcpus: 64, memory_mb: 524288, aggregates: ['gpu'], traits: ['CUSTOM_GPU_A100'], availability_zone: 'us-iad-1' });
    expect(plan.hosts.find((h) => h.name === 'ams1-compute001')!.availability_zone).toBe('eu-ams-1');
    expect(plan.aggregates.map((a) => [a.name, a.hosts.length])).toEqual([['highmem', 40], ['gpu', 20], ['ams', 150]]);
    expect(plan.availabilityZones.reduce((n, z) => n + z.hosts, 0)).toBe(1000);
  });

  it('applies per-cell Nova options down the tree', () => {
    expect(findCell(plan, 'api!us-west!sfo1')!.nova.DEFAULT.cpu_allocation_ratio).toBe(4.0);
    expect(findCell(plan, 'api!us-west!sea1')!.nova.filter_scheduler.ram_weight_multiplier).toBe(-1.0);
    expect(findCell(plan, 'api!eu!fra1')!.nova.DEFAULT.cpu_allocation_ratio).toBe(16.0);
    expect(findCell(plan, 'api!eu!fra1')!.nova.filter_scheduler.enabled_filters).toContain('AggregateInstanceExtraSpecsFilter');
    expect(findCell(plan, 'api!eu!fra2')!.weightOffset).toBe(-1000);
  });
});

describe('JSON topology files', () => {
  it('load like YAML', () => {
    const plan = resolvePlan(loadTopology(fixture('valid-minimal.json')));
    expect(plan.name).toBe('from-json');
    expect(plan.hosts.map((h) => h.name)).toEqual(['compute01', 'compute02', 'compute03', 'compute04']);
    expect(plan.defaults.flavor?.name).toBe('m1.tiny');
  });
});
