/**
 * A guest's directory under instances_path (Nova's layout: one directory per instance uuid) and the
 * record kept in it. The record is everything needed to start the guest's QEMU again — after a
 * power-off, a suspend, or a compute service restart that re-attaches to running guests — so the
 * driver's memory is only a cache of what is on disk.
 */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isInstanceUuid(s: string): boolean {
  return UUID.test(s);
}

export const guestNetworkSchema = z.object({
  /** The flat network's CIDR, the gateway the guest routes through and its fixed address. */
  cidr: z.string(),
  gateway: z.string(),
  address: z.string(),
  mac: z.string(),
});
export type GuestNetwork = z.infer<typeof guestNetworkSchema>;

export const guestRecordSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  hostname: z.string(),
  vcpus: z.number().int().positive(),
  memoryMb: z.number().int().positive(),
  rootGb: z.number().nonnegative(),
  imageId: z.string(),
  /** The image's kernel_id / ramdisk_id (an AMI), kept so rescue can boot the guest's own image. */
  kernelId: z.string().nullable(),
  ramdiskId: z.string().nullable(),
  /** Booted with -kernel/-initrd (an AMI-style image) rather than from the disk. */
  directKernel: z.boolean(),
  hasDisk: z.boolean(),
  network: guestNetworkSchema,
  /** Set while rescued: the rescue image, booted with the guest's own disk as the second one. */
  rescue: z.object({ imageId: z.string(), directKernel: z.boolean(), hasDisk: z.boolean() }).nullable(),
  /** The owner, whom the metadata proxy signs requests for (absent in records of older versions). */
  projectId: z.string().optional(),
  /** A config drive (disk.config, ISO 9660 labelled config-2) is attached. */
  configDrive: z.boolean().optional(),
  /** Console ports of the current (or last) QEMU process. */
  ports: z.object({ vnc: z.number().int(), spice: z.number().int(), serial: z.number().int() }).nullable(),
});
export type GuestRecord = z.infer<typeof guestRecordSchema>;

/** Paths of one guest's files. */
export class GuestPaths {
  constructor(readonly dir: string) {}
  get record(): string { return join(this.dir, 'guest.json'); }
  get disk(): string { return join(this.dir, 'disk'); }
  get kernel(): string { return join(this.dir, 'kernel'); }
  get ramdisk(): string { return join(this.dir, 'ramdisk'); }
  get rescueDisk(): string { return join(this.dir, 'disk.rescue'); }
  get rescueKernel(): string { return join(this.dir, 'kernel.rescue'); }
  get rescueRamdisk(): string { return join(this.dir, 'ramdisk.rescue'); }
  get configDrive(): string { return join(this.dir, 'disk.config'); }
  /** The per-guest metadata proxy's unix socket (QEMU's guestfwd connects to it). */
  get metadataSocket(): string { return join(this.dir, 'metadata.sock'); }
  get serialLog(): string { return join(this.dir, 'console.log'); }
  get qmpSocket(): string { return join(this.dir, 'qmp.sock'); }
  get pidFile(): string { return join(this.dir, 'qemu.pid'); }
  /** The guest's memory while suspended (Nova's libvirt "managed save"). */
  get savedState(): string { return join(this.dir, 'suspend.state'); }
}

export async function writeRecord(paths: GuestPaths, r: GuestRecord): Promise<void> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const tmp = `${paths.record}.tmp`;
  await writeFile(tmp, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, paths.record);
}

export async function readRecord(paths: GuestPaths): Promise<GuestRecord | undefined> {
  const text = await readFile(paths.record, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return guestRecordSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Uuids of the guest directories under instances_path (skips _base and anything else). */
export async function listGuestDirs(instancesPath: string): Promise<string[]> {
  const names = await readdir(instancesPath).catch((): string[] => []);
  return names.filter(isInstanceUuid).sort();
}
