/**
 * LeafCapacityTracker: after any sequence of changes to a leaf's hosts (usage, service state, names,
 * zones, nodes coming and going, the flavor list) it gives what leafCapacity gives over every host;
 * and it counts again only the hosts that changed.
 */
import { describe, expect, it } from 'vitest';
import { novaConfig } from '../../../runtime/config/index.ts';
import { HostManager } from '../../../actors/scheduler/host-manager.ts';
import { leafCapacity } from '../../../cells/capacity/capacity.ts';
import { LeafCapacityTracker } from '../../../cells/capacity/leaf-capacity.ts';
import type { FlavorSpec, HostState } from '../../../actors/scheduler/types.ts';

const flavor = (id: string, vcpus: number, memoryMb: number, rootGb: number): FlavorSpec =>
  ({ id, name: `f${id}`, vcpus, memoryMb, rootGb, ephemeralGb: 0, swapMb: 0, extraSpecs: {} }) as FlavorSpec;
const FLAVORS = [flavor('1', 1, 512, 1), flavor('2', 1, 2048, 20), flavor('3', 2, 4096, 40), flavor('__proto__', 8, 16384, 0)];

/** A small deterministic generator (mulberry32), so a failure names its seed and step. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function node(i: number, r: (n: number) => number) {
  return {
    host: `h${i}`, nodename: `h${i}`, uuid: `u${i}`, vcpus: 4 + r(13), memoryMb: 4096 + 1024 * r(60), localGb: 20 + r(400),
    hypervisorType: ['QEMU', 'ironic'][r(2)]!, cpuArch: ['x86_64', 'aarch64'][r(2)]!,
  };
}

describe('LeafCapacityTracker', () => {
  it('equals leafCapacity over every host after random changes (200 steps, 5 seeds)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = rng(seed);
      const hm = new HostManager(novaConfig());
      let next = 0;
      for (; next < 30; next++) hm.upsertComputeNode(node(next, r));
      const tracker = new LeafCapacityTracker(hm.arrays);
      let flavors: FlavorSpec[] = FLAVORS.slice(0, 3);
      for (let step = 0; step < 200; step++) {
        const hosts = hm.hosts();
        const h = hosts[r(hosts.length)]!;
        switch (r(9)) {
          case 0: case 1: case 2: // the scheduler consumes, the resource tracker counts
            h.vcpusUsed += 1 + r(4);
            h.memoryMbUsed += 512 * (1 + r(8));
            h.localGbUsed += r(2) === 0 ? 0 : 10 * r(5);
            break;
          case 3:
            hm.setUsage(h.uuid, { vcpus: r(8), memoryMb: 512 * r(40), diskGb: 10 * r(30), numInstances: r(8) });
            break;
          case 4:
            hm.setServiceState(h.host, { up: r(4) !== 0, disabled: r(5) === 0 });
            break;
          case 5: // a zone from an aggregate, or none
            hm.setAggregates(h.host, r(2) === 0 ? [] : [{ id: 1, name: 'a', availabilityZone: `az${r(3)}`, metadata: {} }]);
            break;
          case 6: // the node's report again: same numbers (writes that change nothing), maybe another type
            hm.upsertComputeNode({ host: h.host, nodename: h.nodename, uuid: h.uuid, vcpus: h.vcpus, memoryMb: h.memoryMb,
              localGb: h.localGb, hypervisorType: r(3) === 0 ? 'VMware' : h.hypervisorType, cpuArch: h.cpuArch });
            break;
          case 7:
            if (r(2) === 0) hm.upsertComputeNode(node(next++, r));
            else hm.removeComputeNode(h.uuid);
            break;
          default:
            if (r(4) === 0) flavors = FLAVORS.filter(() => r(3) !== 0);
        }
        const got = tracker.capacity(hm.hosts(), flavors);
        expect(got, `seed ${seed} step ${step}`).toEqual(leafCapacity(hm.hosts(), flavors));
      }
    }
  });

  it('counts again only the hosts that changed, and hands back the same object while nothing did', () => {
    const r = rng(7);
    const hm = new HostManager(novaConfig());
    for (let i = 0; i < 50; i++) hm.upsertComputeNode(node(i, r));
    const tracker = new LeafCapacityTracker(hm.arrays);
    // The same hosts, each counting how often its vCPUs are read (once per count of the host).
    let reads = 0;
    const hosts: readonly HostState[] = hm.hosts().map((h) => new Proxy(h, {
      get: (t, p) => {
        if (p === 'vcpus') reads++;
        return Reflect.get(t, p) as unknown;
      },
    }));
    const first = tracker.capacity(hosts, FLAVORS);
    expect(reads).toBe(50);
    const h = hm.hosts()[17]!;
    h.vcpusUsed = h.vcpusUsed; // an equal write moves nothing
    expect(tracker.capacity(hosts, FLAVORS)).toBe(first);
    h.vcpusUsed += 2;
    const second = tracker.capacity(hosts, FLAVORS);
    expect(second.vcpusFree).toBe(first.vcpusFree - 2);
    expect(reads).toBe(51);
    expect(second).toEqual(leafCapacity(hm.hosts(), FLAVORS));
  });

  it('drops the names of a host that goes down, and counts them again when it comes back', () => {
    const hm = new HostManager(novaConfig());
    hm.upsertComputeNode({ host: 'a', nodename: 'a', uuid: 'ua', vcpus: 8, memoryMb: 8192, localGb: 100, hypervisorType: 'QEMU' });
    hm.upsertComputeNode({ host: 'b', nodename: 'b', uuid: 'ub', vcpus: 8, memoryMb: 8192, localGb: 100, hypervisorType: 'VMware' });
    const tracker = new LeafCapacityTracker(hm.arrays);
    expect(tracker.capacity(hm.hosts(), FLAVORS).hypervisorTypes).toEqual(['QEMU', 'VMware']);
    hm.setServiceState('b', { up: false, disabled: false });
    expect(tracker.capacity(hm.hosts(), FLAVORS).hypervisorTypes).toEqual(['QEMU']);
    hm.setServiceState('b', { up: true, disabled: false });
    expect(tracker.capacity(hm.hosts(), FLAVORS).hypervisorTypes).toEqual(['QEMU', 'VMware']);
  });
});
