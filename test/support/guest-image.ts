/**
 * The test guest for real-hypervisor tests: built once by scripts/make-guest-image.sh into a cache
 * shared by every test file (and worktree), then registered in an image store the way the image
 * service keeps data (`<store>/<image id>`): an AMI-style machine image whose kernel_id/ramdisk_id
 * name the kernel and ramdisk images, and whose own data is the qcow2 root disk.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface GuestImageFiles {
  vmlinuz: string;
  initrd: string;
  disk: string | null;
}

/** Build (or reuse) the guest image; returns its files. */
export function guestImage(): GuestImageFiles {
  const dir = execFileSync(join(ROOT, 'scripts', 'make-guest-image.sh'), { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { vmlinuz: string; initrd: string; disk: string | null };
  return { vmlinuz: m.vmlinuz, initrd: m.initrd, disk: m.disk };
}

export const KERNEL_ID = '0d1a0e55-aaaa-4aaa-8aaa-00000000000a';
export const RAMDISK_ID = '0d1a0e55-aaaa-4aaa-8aaa-00000000000b';
export const MACHINE_ID = '0d1a0e55-aaaa-4aaa-8aaa-00000000000c';

/** Put the guest's kernel, ramdisk and disk into `store` under fixed image ids; returns the machine image meta. */
export function registerGuestImage(store: string): { id: string; properties: Record<string, string> } {
  const img = guestImage();
  mkdirSync(store, { recursive: true });
  const put = (src: string, id: string) => {
    if (!existsSync(join(store, id))) copyFileSync(src, join(store, id));
  };
  put(img.vmlinuz, KERNEL_ID);
  put(img.initrd, RAMDISK_ID);
  if (img.disk) put(img.disk, MACHINE_ID);
  return { id: MACHINE_ID, properties: { kernel_id: KERNEL_ID, ramdisk_id: RAMDISK_ID } };
}
