/** HostManager bookkeeping and the HostState values derived from it. */
import { describe, expect, it } from 'vitest';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { HostManager } from '../../../../actors/scheduler/host-manager.ts';
import { consumeFromRequest, freeDiskMb, freeRamMb, freeVcpus, undoConsumption } from '../../../../actors/scheduler/host-state.ts';
import { flavor, host } from './fixtures.ts';

const node = (name: string, uuid = `u-${name}`) =>
  ({ host: name, nodename: name, uuid, vcpus: 8, memoryMb: 16384, localGb: 100 });

describe('HostManager', () => {
  it('fills ratios, reserves and zone from config', () => {
    const hm = new HostManager(novaConfig({ DEFAULT: { ram_allocation_ratio: 2, default_availability_zone: 'zone0' } }));
    const h = hm.upsertComputeNode(node('a'));
    expect(h.ramAllocationRatio).toBe(2);
    expect(h.cpuAllocationRatio).toBe(16);
    expect(h.reservedHostMemoryMb).toBe(512);
    expect(h.availabilityZone).toBe('zone0');
  });

  it('updates in place and keeps usage on re-upsert; hosts() is stable until nodes change', () => {
    const hm = new HostManager();
    const h = hm.upsertComputeNode(node('a'));
    hm.setUsage('u-a', { vcpus: 2, memoryMb: 4096, diskGb: 20, numInstances: 2 });
    const list = hm.hosts();
    expect(hm.upsertComputeNode({ ...node('a'), memoryMb: 32768 })).toBe(h);
    expect(h.memoryMb).toBe(32768);
    expect(h.memoryMbUsed).toBe(4096);
    expect(hm.hosts()).toBe(list);
    hm.upsertComputeNode(node('b'));
    expect(hm.hosts()).not.toBe(list);
    expect(hm.hosts()).toHaveLength(2);
    expect(hm.removeComputeNode('u-b')).toBe(true);
    expect(hm.size).toBe(1);
  });

  it('revision grows with every change of what hosts() describes, and only then', () => {
    const hm = new HostManager();
    const h = hm.upsertComputeNode(node('a'));
    const changes: Array<[string, () => void]> = [
      ['upsert', () => hm.upsertComputeNode(node('a'))],
      ['usage', () => hm.setUsage('u-a', { vcpus: 1, memoryMb: 512, diskGb: 1, numInstances: 1 })],
      ['claim', () => consumeFromRequest(h, flavor({ vcpus: 1, memoryMb: 512, rootGb: 1 }), 'i9')],
      ['service', () => hm.setServiceState('a', { up: false, disabled: false })],
      ['aggregates', () => hm.setAggregates('a', [{ id: 1, name: 'ag', availabilityZone: 'z1', metadata: {} }])],
      ['new node', () => hm.upsertComputeNode(node('b'))],
      ['removed node', () => hm.removeComputeNode('u-b')],
    ];
    for (const [what, change] of changes) {
      const before = hm.revision();
      change();
      expect(hm.revision(), what).toBeGreaterThan(before);
    }
    const before = hm.revision();
    hm.addInstance('a', 'i10');
    hm.recordBuildFailure('a');
    expect(hm.revision()).toBe(before);
  });

  it('applies service state and aggregates to every node of a host, including later ones', () => {
    const hm = new HostManager();
    hm.upsertComputeNode(node('a', 'n1'));
    hm.setServiceState('a', { up: false, disabled: true });
    hm.setAggregates('a', [{ id: 1, name: 'fast', availabilityZone: 'az1', metadata: { ssd: 'true' } }]);
    const later = hm.upsertComputeNode({ ...node('a', 'n2'), nodename: 'a-2' });
    for (const h of hm.nodesOf('a')) {
      expect(h.serviceUp).toBe(false);
      expect(h.serviceDisabled).toBe(true);
      expect(h.availabilityZone).toBe('az1');
    }
    expect(later.aggregates[0]!.metadata['ssd']).toBe('true');
    hm.setAggregates('a', []);
    expect(later.availabilityZone).toBe('nova');
  });

  it('tracks instances and build failures per host', () => {
    const hm = new HostManager();
    const h = hm.upsertComputeNode(node('a'));
    hm.addInstance('a', 'i1');
    hm.addInstance('a', 'i1');
    expect(h.numInstances).toBe(1);
    hm.removeInstance('a', 'i1');
    expect(h.instances.size).toBe(0);
    expect(h.numInstances).toBe(0);
    hm.recordBuildFailure('a');
    hm.recordBuildFailure('a');
    expect(h.failedBuilds).toBe(2);
    hm.resetBuildFailures('a');
    expect(h.failedBuilds).toBe(0);
  });
});

describe('HostState derived values', () => {
  it('subtracts reserved from free RAM and disk; free vCPUs count the ratio', () => {
    const h = host('a', { memoryMbUsed: 2048, reservedHostMemoryMb: 512, localGbUsed: 10, reservedHostDiskMb: 1024, vcpusUsed: 3 });
    expect(freeRamMb(h)).toBe(16384 - 2048 - 512);
    expect(freeDiskMb(h)).toBe(90 * 1024 - 1024);
    expect(freeVcpus(h)).toBe(8 * 16 - 3);
  });

  it('consumeFromRequest takes the flavor (swap excluded, as Nova) and undo puts it back', () => {
    const h = host('a');
    const c = consumeFromRequest(h, flavor({ vcpus: 2, memoryMb: 4096, rootGb: 20, ephemeralGb: 5, swapMb: 512 }), 'i1');
    expect([h.vcpusUsed, h.memoryMbUsed, h.localGbUsed, h.numInstances]).toEqual([2, 4096, 25, 1]);
    expect(h.instances.has('i1')).toBe(true);
    undoConsumption(c);
    expect([h.vcpusUsed, h.memoryMbUsed, h.localGbUsed, h.numInstances]).toEqual([0, 0, 0, 0]);
    expect(h.instances.has('i1')).toBe(false);
  });
});
