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

/**
 * The flavor as the API keeps it (nova_api's flavors with their extra specs and access list): the
 * record the REST layer shows, in Nova's API names (ram, disk). A server embeds the wire form above,
 * made from it by flavorOfRecord.
 */
export const flavorRecordSchema = z.object({
  /** Nova's flavors.id: orders listings and resolves markers. */
  internalId: z.number().int(),
  /** The API id (flavorid). */
  id: z.string(),
  name: z.string(),
  vcpus: z.number().int(),
  ram: z.number().int(),
  disk: z.number().int(),
  ephemeral: z.number().int(),
  swap: z.number().int(),
  rxtxFactor: z.number(),
  isPublic: z.boolean(),
  description: z.string().nullable(),
  extraSpecs: z.record(z.string(), z.string()),
  /** Projects granted access to a private flavor. */
  projects: z.array(z.string()),
  createdAt: z.number(),
  updatedAt: z.number().nullable(),
});
export type FlavorRecord = z.infer<typeof flavorRecordSchema>;

/** The wire form of a flavor record (or of a topology catalogue entry, in the same API names). */
export function flavorOfRecord(f: Pick<FlavorRecord, 'id' | 'name' | 'vcpus' | 'ram' | 'disk' | 'ephemeral' | 'swap' | 'extraSpecs'>): Flavor {
  return {
    id: f.id, name: f.name, vcpus: f.vcpus, memoryMb: f.ram, rootGb: f.disk, ephemeralGb: f.ephemeral, swapMb: f.swap,
    extraSpecs: f.extraSpecs,
  };
}

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
