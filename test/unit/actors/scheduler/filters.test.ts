/** Every host filter: a host it passes and a host it fails, with Nova's semantics for each. */
import { describe, expect, it } from 'vitest';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { createFilters, FILTERS } from '../../../../actors/scheduler/filters/registry.ts';
import type { HostFilter } from '../../../../actors/scheduler/filters/base.ts';
import type { AggregateInfo } from '../../../../actors/scheduler/types.ts';
import { flavor, host, spec } from './fixtures.ts';

const config = novaConfig();
function filter(name: string): HostFilter {
  return createFilters([name], config)[0]!;
}
function agg(id: number, metadata: Record<string, string>, availabilityZone: string | null = null): AggregateInfo {
  return { id, name: `agg${id}`, availabilityZone, metadata };
}

describe('filter registry', () => {
  it('knows every filter by its Nova class name, also as a dotted path', () => {
    for (const name of Object.keys(FILTERS)) expect(filter(name).name).toBe(name);
    expect(createFilters(['nova.scheduler.filters.ram_filter.RamFilter'], config)[0]!.name).toBe('RamFilter');
  });
  it('refuses an unknown filter name', () => {
    expect(() => createFilters(['NoSuchFilter'], config)).toThrow(/NoSuchFilter/);
    expect(() => createFilters(['constructor'], config)).toThrow(/constructor/);
  });
});

describe('AllHostsFilter', () => {
  it('passes any host, and asks to be skipped', () => {
    const f = filter('AllHostsFilter');
    expect(f.hostPasses(host('a', { serviceUp: false }), spec())).toBe(true);
    expect(f.prepare!(spec())).toBe(false);
  });
});

describe('ComputeFilter', () => {
  const f = filter('ComputeFilter');
  it('passes a host whose service is up and enabled', () => {
    expect(f.hostPasses(host('a'), spec())).toBe(true);
  });
  it('fails a host whose service is down or disabled', () => {
    expect(f.hostPasses(host('a', { serviceUp: false }), spec())).toBe(false);
    expect(f.hostPasses(host('a', { serviceDisabled: true }), spec())).toBe(false);
  });
});

describe('AvailabilityZoneFilter', () => {
  const f = filter('AvailabilityZoneFilter');
  it('passes every host when no zone is asked for', () => {
    expect(f.prepare!(spec())).toBe(false);
    expect(f.hostPasses(host('a', { availabilityZone: 'az9' }), spec())).toBe(true);
  });
  it('passes a host whose aggregate names the zone, fails one in another zone', () => {
    const s = spec({ availabilityZone: 'az1' });
    expect(f.hostPasses(host('a', { aggregates: [agg(1, {}, 'az2'), agg(2, {}, 'az1')] }), s)).toBe(true);
    expect(f.hostPasses(host('b', { aggregates: [agg(1, {}, 'az2')], availabilityZone: 'az1' }), s)).toBe(false);
  });
  it('reads the zone from aggregate metadata as Nova stores it', () => {
    const s = spec({ availabilityZone: 'az1' });
    expect(f.hostPasses(host('a', { aggregates: [agg(1, { availability_zone: 'az1' })] }), s)).toBe(true);
  });
  it('uses the host zone (default zone) when no aggregate has one', () => {
    expect(f.hostPasses(host('a', { availabilityZone: 'nova' }), spec({ availabilityZone: 'nova' }))).toBe(true);
    expect(f.hostPasses(host('a', { availabilityZone: 'nova' }), spec({ availabilityZone: 'az1' }))).toBe(false);
  });
});

describe('ComputeCapabilitiesFilter', () => {
  const f = filter('ComputeCapabilitiesFilter');
  const cpuInfo = JSON.stringify({ arch: 'x86_64', features: ['sse', 'avx2'] });
  const h = host('a', { hypervisorType: 'QEMU', capabilities: { cpu_info: cpuInfo, gpu: 'yes' } });
  const s = (extraSpecs: Record<string, string>) => spec({ flavor: flavor({ extraSpecs }) });
  it('passes when scoped capabilities match, including nested JSON and host attributes', () => {
    expect(f.hostPasses(h, s({ 'capabilities:cpu_info:arch': 'x86_64' }))).toBe(true);
    expect(f.hostPasses(h, s({ 'capabilities:hypervisor_type': 's== QEMU' }))).toBe(true);
    expect(f.hostPasses(h, s({ 'capabilities:gpu': 'yes', 'hw:cpu_policy': 'dedicated' }))).toBe(true);
  });
  it('fails when a capability differs or is missing', () => {
    expect(f.hostPasses(h, s({ 'capabilities:cpu_info:arch': 'aarch64' }))).toBe(false);
    expect(f.hostPasses(h, s({ 'capabilities:fpga': 'yes' }))).toBe(false);
    expect(f.hostPasses(h, s({ 'capabilities:vcpus_total': '>= 16' }))).toBe(false);
  });
  it('checks an unscoped key only if the host has it', () => {
    expect(f.hostPasses(h, s({ unknown_key: 'x' }))).toBe(true);
    expect(f.hostPasses(h, s({ gpu: 'no' }))).toBe(false);
  });
  it('is skipped for a flavor with no relevant extra specs', () => {
    expect(f.prepare!(s({ 'hw:cpu_policy': 'dedicated' }))).toBe(false);
  });
});

describe('ImagePropertiesFilter', () => {
  const f = filter('ImagePropertiesFilter');
  const h = host('a', { hypervisorVersion: 6_001_000, supportedInstances: [['x86_64', 'qemu', 'hvm'], ['i686', 'qemu', 'hvm']] });
  const s = (properties: Record<string, string>) => spec({ image: { id: 'img', properties } });
  it('passes an image without compute properties, even on a host advertising nothing', () => {
    expect(f.hostPasses(host('b'), s({ os_distro: 'ubuntu' }))).toBe(true);
  });
  it('passes matching architecture / hypervisor type / vm mode, canonicalising names', () => {
    expect(f.hostPasses(h, s({ hw_architecture: 'x86_64', img_hv_type: 'qemu', hw_vm_mode: 'hvm' }))).toBe(true);
    expect(f.hostPasses(h, s({ architecture: 'i386', hypervisor_type: 'QEMU', vm_mode: 'HV' }))).toBe(true);
    expect(f.hostPasses(h, s({ hw_architecture: 'amd64' }))).toBe(true);
  });
  it('fails an unsupported combination, or a host advertising nothing', () => {
    expect(f.hostPasses(h, s({ hw_architecture: 'aarch64' }))).toBe(false);
    expect(f.hostPasses(h, s({ img_hv_type: 'xen' }))).toBe(false);
    expect(f.hostPasses(host('b'), s({ hw_architecture: 'x86_64' }))).toBe(false);
  });
  it('checks img_hv_requested_version against the hypervisor version', () => {
    expect(f.hostPasses(h, s({ hw_architecture: 'x86_64', img_hv_requested_version: '>=6.0, <6.2' }))).toBe(true);
    expect(f.hostPasses(h, s({ hw_architecture: 'x86_64', img_hv_requested_version: '>=6.2' }))).toBe(false);
  });
});

describe('ServerGroupAffinityFilter', () => {
  const f = filter('ServerGroupAffinityFilter');
  const group = (hosts: string[]) => ({ uuid: 'g', policy: 'affinity' as const, hosts, members: [] });
  it('passes any host for the first member, and the group host after', () => {
    expect(f.hostPasses(host('a'), spec({ instanceGroup: group([]) }))).toBe(true);
    expect(f.hostPasses(host('a'), spec({ instanceGroup: group(['a']) }))).toBe(true);
  });
  it('fails a host the group does not run on', () => {
    expect(f.hostPasses(host('b'), spec({ instanceGroup: group(['a']) }))).toBe(false);
  });
  it('leaves other policies (soft-affinity is a weigher) alone', () => {
    const soft = { uuid: 'g', policy: 'soft-affinity' as const, hosts: ['a'], members: [] };
    expect(f.hostPasses(host('b'), spec({ instanceGroup: soft }))).toBe(true);
    expect(f.prepare!(spec({ instanceGroup: soft }))).toBe(false);
  });
});

describe('ServerGroupAntiAffinityFilter', () => {
  const f = filter('ServerGroupAntiAffinityFilter');
  it('passes a host without group members', () => {
    const g = { uuid: 'g', policy: 'anti-affinity' as const, hosts: ['a'], members: ['m1'] };
    expect(f.hostPasses(host('b', { instances: new Set(['other']) }), spec({ instanceGroup: g }))).toBe(true);
  });
  it('fails a host already running a member', () => {
    const g = { uuid: 'g', policy: 'anti-affinity' as const, hosts: ['a'], members: ['m1'] };
    expect(f.hostPasses(host('a', { instances: new Set(['m1']) }), spec({ instanceGroup: g }))).toBe(false);
    expect(f.hostPasses(host('c', { instances: new Set(['m1']) }), spec({ instanceGroup: g }))).toBe(false);
  });
  it('allows up to max_server_per_host members', () => {
    const g = { uuid: 'g', policy: 'anti-affinity' as const, hosts: ['a'], members: ['m1', 'm2'], maxServerPerHost: 2 };
    expect(f.hostPasses(host('a', { instances: new Set(['m1']) }), spec({ instanceGroup: g }))).toBe(true);
    expect(f.hostPasses(host('a', { instances: new Set(['m1', 'm2']) }), spec({ instanceGroup: g }))).toBe(false);
  });
  it('does not count a moving instance against its own host', () => {
    const g = { uuid: 'g', policy: 'anti-affinity' as const, hosts: ['a'], members: ['m1'] };
    expect(f.hostPasses(host('a', { instances: new Set(['m1']) }), spec({ instanceGroup: g, instanceUuids: ['m1'] }))).toBe(true);
  });
});

describe('AggregateInstanceExtraSpecsFilter', () => {
  const f = filter('AggregateInstanceExtraSpecsFilter');
  const s = (extraSpecs: Record<string, string>) => spec({ flavor: flavor({ extraSpecs }) });
  const ssd = host('a', { aggregates: [agg(1, { ssd: 'true', cpu_gen: '5' })] });
  it('passes when an aggregate of the host matches scoped and unscoped keys', () => {
    expect(f.hostPasses(ssd, s({ 'aggregate_instance_extra_specs:ssd': 'true' }))).toBe(true);
    expect(f.hostPasses(ssd, s({ ssd: 'true', 'aggregate_instance_extra_specs:cpu_gen': '>= 4' }))).toBe(true);
  });
  it('fails when no aggregate has the key or its value differs', () => {
    expect(f.hostPasses(host('b'), s({ 'aggregate_instance_extra_specs:ssd': 'true' }))).toBe(false);
    expect(f.hostPasses(ssd, s({ 'aggregate_instance_extra_specs:cpu_gen': '>= 6' }))).toBe(false);
  });
  it('ignores keys in other scopes', () => {
    expect(f.prepare!(s({ 'hw:cpu_policy': 'dedicated', 'capabilities:gpu': 'yes' }))).toBe(false);
    expect(f.hostPasses(host('b'), s({ 'hw:cpu_policy': 'dedicated' }))).toBe(true);
  });
});

describe('RamFilter', () => {
  const f = filter('RamFilter');
  it('passes when the flavor fits under memory_mb * ram_allocation_ratio minus used and reserved', () => {
    const h = host('a', { memoryMb: 4096, memoryMbUsed: 3072, reservedHostMemoryMb: 512, ramAllocationRatio: 1.5 });
    // limit 6144, used 3584, usable 2560
    expect(f.hostPasses(h, spec({ flavor: flavor({ memoryMb: 2560 }) }))).toBe(true);
  });
  it('fails when it does not fit after overcommit', () => {
    const h = host('a', { memoryMb: 4096, memoryMbUsed: 3072, reservedHostMemoryMb: 512, ramAllocationRatio: 1.5 });
    expect(f.hostPasses(h, spec({ flavor: flavor({ memoryMb: 2561 }) }))).toBe(false);
  });
  it('fails an instance larger than the physical RAM whatever the ratio', () => {
    const h = host('a', { memoryMb: 4096, ramAllocationRatio: 10 });
    expect(f.hostPasses(h, spec({ flavor: flavor({ memoryMb: 4097 }) }))).toBe(false);
  });
});

describe('CoreFilter', () => {
  const f = filter('CoreFilter');
  it('passes when vCPUs fit under vcpus * cpu_allocation_ratio', () => {
    const h = host('a', { vcpus: 4, vcpusUsed: 62, cpuAllocationRatio: 16 });
    expect(f.hostPasses(h, spec({ flavor: flavor({ vcpus: 2 }) }))).toBe(true);
  });
  it('fails when they do not', () => {
    const h = host('a', { vcpus: 4, vcpusUsed: 63, cpuAllocationRatio: 16 });
    expect(f.hostPasses(h, spec({ flavor: flavor({ vcpus: 2 }) }))).toBe(false);
  });
  it('fails an instance with more vCPUs than the host has physically', () => {
    expect(f.hostPasses(host('a', { vcpus: 4 }), spec({ flavor: flavor({ vcpus: 5 }) }))).toBe(false);
  });
  it('passes a host that reports no vCPUs (Nova fail-safe)', () => {
    expect(f.hostPasses(host('a', { vcpus: 0 }), spec({ flavor: flavor({ vcpus: 5 }) }))).toBe(true);
  });
});

describe('DiskFilter', () => {
  const f = filter('DiskFilter');
  const h = host('a', { localGb: 100, localGbUsed: 60, reservedHostDiskMb: 1024 });
  it('passes when root + ephemeral + swap fit (reserved counted as used)', () => {
    // usable: 102400 - 61440 - 1024 = 39936 MB
    expect(f.hostPasses(h, spec({ flavor: flavor({ rootGb: 30, ephemeralGb: 8, swapMb: 1024 }) }))).toBe(true);
  });
  it('fails when they do not', () => {
    expect(f.hostPasses(h, spec({ flavor: flavor({ rootGb: 30, ephemeralGb: 8, swapMb: 1025 }) }))).toBe(false);
  });
  it('allows disk overcommit by ratio, but never beyond the physical disk for one instance', () => {
    const over = host('b', { localGb: 100, localGbUsed: 90, diskAllocationRatio: 2 });
    expect(f.hostPasses(over, spec({ flavor: flavor({ rootGb: 100 }) }))).toBe(true);
    expect(f.hostPasses(over, spec({ flavor: flavor({ rootGb: 101 }) }))).toBe(false);
  });
});

describe('RetryFilter', () => {
  const f = filter('RetryFilter');
  const s = spec({ retry: { numAttempts: 2, hosts: ['a'] } });
  it('passes a host not yet tried', () => {
    expect(f.hostPasses(host('b'), s)).toBe(true);
  });
  it('fails a host already tried for this build', () => {
    expect(f.hostPasses(host('a'), s)).toBe(false);
  });
});

describe('SameHostFilter', () => {
  const f = filter('SameHostFilter');
  const s = spec({ schedulerHints: { same_host: ['x', 'y'] } });
  it('passes a host running one of the named instances', () => {
    expect(f.hostPasses(host('a', { instances: new Set(['y']) }), s)).toBe(true);
  });
  it('fails a host running none of them', () => {
    expect(f.hostPasses(host('b', { instances: new Set(['z']) }), s)).toBe(false);
  });
  it('passes everything without the hint', () => {
    expect(f.hostPasses(host('b'), spec())).toBe(true);
  });
});

describe('DifferentHostFilter', () => {
  const f = filter('DifferentHostFilter');
  const s = spec({ schedulerHints: { different_host: 'x' } });
  it('passes a host running none of the named instances', () => {
    expect(f.hostPasses(host('b', { instances: new Set(['z']) }), s)).toBe(true);
  });
  it('fails a host running one of them', () => {
    expect(f.hostPasses(host('a', { instances: new Set(['x']) }), s)).toBe(false);
  });
});

describe('batch form', () => {
  it('filterAll keeps the same hosts as hostPasses, in order', () => {
    const hosts = [host('a', { memoryMbUsed: 16000 }), host('b'), host('c', { serviceUp: false }), host('d')];
    for (const name of ['ComputeFilter', 'RamFilter', 'CoreFilter', 'DiskFilter', 'AvailabilityZoneFilter']) {
      const f = filter(name);
      const idx = Int32Array.from([0, 1, 2, 3]);
      const s = spec();
      const n = f.filterAll!(hosts, idx, 4, s);
      expect(Array.from(idx.subarray(0, n))).toEqual([0, 1, 2, 3].filter((i) => f.hostPasses(hosts[i]!, s)));
    }
  });
});
