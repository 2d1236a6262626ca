/**
 * From image id to the files a guest boots: Nova's AMI-style images name their kernel and ramdisk in
 * the `kernel_id` / `ramdisk_id` properties (booted with -kernel/-initrd), and the image's own data,
 * if any, is the root disk. Image data is cached once per host under `<instances_path>/_base`
 * (Nova's image cache) and each guest's disk is a qcow2 overlay on it, so guests never write the
 * image. An image whose qcow2 header names a backing file is refused (it could read host files).
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { HypervisorError, ImageNotFound } from '../../../../runtime/errors/index.ts';
import type { ImageMeta } from '../spawn-context.ts';
import { isInstanceUuid } from './guest-files.ts';
import { qemuImg } from './process.ts';

/** The part of `qemu-img info --output=json` the image cache reads. */
const qemuImgInfoSchema = z.looseObject({
  format: z.string().optional(),
  'virtual-size': z.number().optional(),
  'backing-filename': z.string().optional(),
});

export interface BootFiles {
  imageId: string;
  /** Both set for an AMI-style image (kernel_id / ramdisk_id). */
  kernel?: string;
  ramdisk?: string;
  /** The image's data when it has some: the base of the root disk. */
  disk?: { path: string; format: 'qcow2' | 'raw'; virtualSize: number };
}

export class ImageCache {
  constructor(
    private readonly imageStore: string,
    private readonly basePath: string,
    private readonly qemuImgBinary: string,
  ) {}

  /** Resolve an image (and its kernel/ramdisk) to local files, caching image data in _base. */
  async bootFiles(image: Pick<ImageMeta, 'id' | 'properties'>): Promise<BootFiles> {
    const kernelId = stringProp(image.properties, 'kernel_id');
    const ramdiskId = stringProp(image.properties, 'ramdisk_id');
    const out: BootFiles = { imageId: image.id };
    if (kernelId) {
      out.kernel = await this.cached(kernelId, true);
      if (ramdiskId) out.ramdisk = await this.cached(ramdiskId, true);
    }
    const data = await this.cached(image.id, false);
    if (data) {
      const info = qemuImgInfoSchema.parse(JSON.parse(await qemuImg(this.qemuImgBinary, ['info', '--output=json', data])));
      if (info['backing-filename']) throw new HypervisorError(`Image ${image.id} has a backing file; refusing to boot it.`);
      const format = info.format === 'qcow2' ? 'qcow2' : info.format === 'raw' ? 'raw' : undefined;
      if (!format) throw new HypervisorError(`Image ${image.id} is ${info.format ?? 'of unknown format'}; only qcow2 and raw disks boot here.`);
      out.disk = { path: data, format, virtualSize: info['virtual-size'] ?? 0 };
    }
    if (!out.kernel && !out.disk) throw new HypervisorError(`Image ${image.id} has neither data nor a kernel_id: nothing to boot.`);
    return out;
  }

  /** Create a guest's root disk: a qcow2 overlay on the cached image, at least `rootGb` big. */
  async createOverlay(target: string, base: NonNullable<BootFiles['disk']>, rootGb: number): Promise<void> {
    const size = Math.max(base.virtualSize, rootGb * 1024 ** 3);
    await qemuImg(this.qemuImgBinary, ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', base.format, target, String(size)]);
  }

  /** Write a guest's disk as a standalone qcow2 image into the image store (snapshot). */
  async exportDisk(source: string, imageId: string, forceShare: boolean): Promise<void> {
    if (!isInstanceUuid(imageId)) throw new HypervisorError(`Refusing to write image "${imageId}": not an image uuid.`);
    await mkdir(this.imageStore, { recursive: true });
    const target = join(this.imageStore, imageId);
    const part = `${target}.part`;
    try {
      await qemuImg(this.qemuImgBinary, ['convert', ...(forceShare ? ['-U'] : []), '-O', 'qcow2', source, part]);
      await rename(part, target);
    } finally {
      await rm(part, { force: true });
    }
  }

  /** Copy of image data in _base, made once (link when the store is on the same filesystem). */
  private async cached(imageId: string, required: true): Promise<string>;
  private async cached(imageId: string, required: false): Promise<string | undefined>;
  private async cached(imageId: string, required: boolean): Promise<string | undefined> {
    if (!isInstanceUuid(imageId)) throw new ImageNotFound(`Image ${imageId} could not be found.`);
    const cachedPath = join(this.basePath, imageId);
    if (await exists(cachedPath)) return cachedPath;
    const source = join(this.imageStore, imageId);
    if (!(await exists(source))) {
      if (required) throw new HypervisorError(`Image ${imageId} has no data in the image store ${this.imageStore}.`);
      return undefined;
    }
    await mkdir(this.basePath, { recursive: true, mode: 0o700 });
    const tmp = `${cachedPath}.${process.pid}.tmp`;
    await link(source, tmp).catch(() => copyFile(source, tmp, constants.COPYFILE_FICLONE));
    await rename(tmp, cachedPath);
    return cachedPath;
  }
}

function stringProp(props: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = Object.hasOwn(props, key) ? props[key] : undefined;
  return typeof v === 'string' && v ? v : undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
