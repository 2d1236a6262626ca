/**
 * Flavor (nova/objects/flavor.py): the sizes of a server. One wire form, and the one place its
 * resources are worked out — what placement claims (VCPU, MEMORY_MB, DISK_GB), what the DiskFilter
 * asks for, and how much disk a capacity report counts per instance.
 */
import { z } from 'zod';

export const flavorSchema = z.object({
  id: z.string(),
  name: z.string(),
  vcpus: z.number().int().positive(),
  memoryMb: z.number().int().positive(),
  rootGb: z.number().int().nonnegative(),
  ephemeralGb: z.number().int().nonnegative(),
  swapMb: z.number().int().nonnegative(),
  extraSpecs: z.record(z.string(), z.string()),
});
export type Flavor = z.infer<typeof flavorSchema>;

/** The sizes alone (the topology's flavors and a fake guest have no id, name or extra specs to give). */
export type FlavorSizes = Pick<Flavor, 'vcpus' | 'memoryMb' | 'rootGb' | 'ephemeralGb' | 'swapMb'>;

/** Disk one instance takes in GB: root + ephemeral + swap rounded up to whole GB (placement's DISK_GB). */
export function flavorDiskGb(f: FlavorSizes): number {
  return f.rootGb + f.ephemeralGb + Math.ceil(f.swapMb / 1024);
}

/** What placement claims for one instance of the flavor. */
export function flavorResources(f: FlavorSizes): { VCPU: number; MEMORY_MB: number; DISK_GB: number } {
  return { VCPU: f.vcpus, MEMORY_MB: f.memoryMb, DISK_GB: flavorDiskGb(f) };
}

/** DiskFilter's request: root and ephemeral in GB plus swap in MB, all in MB. */
export function requestedDiskMb(f: FlavorSizes): number {
  return 1024 * (f.rootGb + f.ephemeralGb) + f.swapMb;
}
