/**
 * Image (nova/objects/image_meta.py): what the scheduler and the driver need of a Glance image — its id
 * and its properties in Glance's names (hw_architecture, img_hv_type, hw_vm_mode; legacy architecture,
 * hypervisor_type, vm_mode).
 */
import { z } from 'zod';

export const imageSchema = z.object({ id: z.string(), properties: z.record(z.string(), z.string()) });
export type Image = z.infer<typeof imageSchema>;

export const imageStatusSchema = z.enum(['queued', 'saving', 'active', 'killed', 'deleted', 'pending_delete', 'deactivated', 'uploading', 'importing']);
export type ImageStatus = z.infer<typeof imageStatusSchema>;
export const imageVisibilitySchema = z.enum(['public', 'private', 'shared', 'community']);
export type ImageVisibility = z.infer<typeof imageVisibilitySchema>;

/** The image as the image service keeps it (Glance's image record; the API's images table holds it as JSON). */
export const imageRecordSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: imageStatusSchema,
  visibility: imageVisibilitySchema,
  owner: z.string().nullable(),
  diskFormat: z.string().nullable(),
  containerFormat: z.string().nullable(),
  minDisk: z.number(),
  minRam: z.number(),
  size: z.number().nullable(),
  virtualSize: z.number().nullable(),
  checksum: z.string().nullable(),
  osHashAlgo: z.string().nullable(),
  osHashValue: z.string().nullable(),
  protected: z.boolean(),
  tags: z.array(z.string()),
  /** Glance's additional properties (base image properties included, e.g. image_type, instance_uuid). */
  properties: z.record(z.string(), z.string()),
  /** Uploaded bytes, relative to the image directory. */
  file: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ImageRecord = z.infer<typeof imageRecordSchema>;
