/** Small builders for scheduler tests: a host, a flavor and a request spec with Nova-like defaults. */
import { newHostState, type HostStateInit } from '../../../../actors/scheduler/host-state.ts';
import type { FlavorSpec, HostState, RequestSpec } from '../../../../actors/scheduler/types.ts';

export function host(name: string, over: Partial<HostStateInit> = {}): HostState {
  return newHostState({
    host: name, nodename: name, uuid: `rp-${name}`, vcpus: 8, memoryMb: 16384, localGb: 100,
    cpuAllocationRatio: 16, ramAllocationRatio: 1.0, diskAllocationRatio: 1.0, ...over,
  });
}

export function flavor(over: Partial<FlavorSpec> = {}): FlavorSpec {
  return { id: '1', name: 'm1.small', vcpus: 1, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0,
    extraSpecs: {}, ...over };
}

export function spec(over: Partial<RequestSpec> = {}): RequestSpec {
  const instanceUuids = over.instanceUuids ?? ['inst-1'];
  return {
    instanceUuids, numInstances: instanceUuids.length, projectId: 'proj', userId: 'user', flavor: flavor(),
    image: { id: 'img', properties: {} }, availabilityZone: null, schedulerHints: {}, instanceGroup: null,
    ignoreHosts: [], forceHosts: [], forceNodes: [], retry: { numAttempts: 1, hosts: [] }, ...over,
  };
}
