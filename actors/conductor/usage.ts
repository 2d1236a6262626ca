/**
 * Placement is the source of truth for what a compute node has allocated; the scheduler's host state
 * takes its usage from there, in one place.
 */
import type { ResourceProvider } from '../placement/index.ts';
import type { HostManager } from '../scheduler/host-manager.ts';

export function applyProviderUsage(hostManager: HostManager, rp: ResourceProvider): void {
  hostManager.setUsage(rp.uuid, {
    vcpus: rp.usages.VCPU ?? 0, memoryMb: rp.usages.MEMORY_MB ?? 0, diskGb: rp.usages.DISK_GB ?? 0,
    numInstances: hostManager.get(rp.uuid)?.instances.size ?? 0,
  });
}
