/**
 * Image data in the API cell's data directory: one file per image, written whole on upload with its
 * size and checksums (md5 and Glance's default os_hash_algo, sha512).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredFile {
  file: string;
  size: number;
  checksum: string;
  osHashValue: string;
}

export class ImageFiles {
  constructor(private readonly dir: string | undefined) {}

  get enabled(): boolean {
    return this.dir !== undefined;
  }

  async put(imageId: string, data: Buffer): Promise<StoredFile> {
    const checksum = createHash('md5').update(data).digest('hex');
    const osHashValue = createHash('sha512').update(data).digest('hex');
    if (this.dir) {
      await mkdir(this.dir, { recursive: true });
      await writeFile(join(this.dir, imageId), data, { mode: 0o600 });
    }
    return { file: imageId, size: data.length, checksum, osHashValue };
  }

  /** Size and checksums of data someone else wrote under the image's id (a compute host's snapshot). */
  async adopt(imageId: string): Promise<StoredFile | undefined> {
    const data = await this.get(imageId);
    if (!data) return undefined;
    return {
      file: imageId, size: data.length,
      checksum: createHash('md5').update(data).digest('hex'), osHashValue: createHash('sha512').update(data).digest('hex'),
    };
  }

  async get(file: string): Promise<Buffer | undefined> {
    if (!this.dir) return undefined;
    return readFile(join(this.dir, file)).catch(() => undefined);
  }

  async remove(file: string | null): Promise<void> {
    if (this.dir && file) await rm(join(this.dir, file), { force: true });
  }
}
