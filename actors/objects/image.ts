/**
 * Image (nova/objects/image_meta.py): what the scheduler and the driver need of a Glance image — its id
 * and its properties in Glance's names (hw_architecture, img_hv_type, hw_vm_mode; legacy architecture,
 * hypervisor_type, vm_mode).
 */
import { z } from 'zod';

export const imageSchema = z.object({ id: z.string(), properties: z.record(z.string(), z.string()) });
export type Image = z.infer<typeof imageSchema>;
