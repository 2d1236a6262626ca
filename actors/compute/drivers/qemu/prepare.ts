/**
 * Laying out a guest's boot files in its directory: the kernel and ramdisk are copied in (as Nova
 * copies them next to the disk, so the guest still boots if the images are deleted) and the root
 * disk is a qcow2 overlay on the cached image.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import type { BootFiles, ImageCache } from './images.ts';

export async function copyBootFiles(files: BootFiles, kernelTarget: string, ramdiskTarget: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [source, target] of [[files.kernel, kernelTarget], [files.ramdisk, ramdiskTarget]] as const) {
    if (!source) continue;
    await rm(target, { force: true });
    await link(source, target).catch(() => copyFile(source, target, constants.COPYFILE_FICLONE));
  }
}

/** Create the overlay when the image has data; false for a kernel/ramdisk-only image. */
export async function prepareDisk(images: ImageCache, files: BootFiles, target: string, rootGb: number): Promise<boolean> {
  if (!files.disk) return false;
  await rm(target, { force: true });
  await images.createOverlay(target, files.disk, rootGb);
  return true;
}
