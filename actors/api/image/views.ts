/**
 * Glance v2 image bodies: the core properties, then every additional property flattened into the
 * same object, as Glance shows them.
 */
import type { Image } from '../db/index.ts';

/** Glance's timestamps: 2024-01-01T10:00:00Z. */
export function glanceTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function imageView(img: Image): Record<string, unknown> {
  return {
    ...img.properties,
    id: img.id,
    name: img.name,
    status: img.status,
    visibility: img.visibility,
    protected: img.protected,
    os_hidden: false,
    checksum: img.checksum,
    os_hash_algo: img.osHashAlgo,
    os_hash_value: img.osHashValue,
    owner: img.owner,
    size: img.size,
    virtual_size: img.virtualSize,
    min_ram: img.minRam,
    min_disk: img.minDisk,
    disk_format: img.diskFormat,
    container_format: img.containerFormat,
    created_at: glanceTime(img.createdAt),
    updated_at: glanceTime(img.updatedAt),
    tags: [...img.tags],
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

/** Core properties nobody sets directly. */
export const READ_ONLY = new Set([
  'status', 'created_at', 'updated_at', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'self', 'file',
  'schema', 'direct_url', 'locations', 'owner', 'id',
]);
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
