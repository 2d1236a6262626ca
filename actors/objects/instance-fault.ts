/**
 * InstanceFault (nova/objects/instance_fault.py): why an instance went to ERROR. The record the
 * conductor keeps, and the part the API shows (and the cell tree carries up with the instance).
 */
import { z } from 'zod';

export const instanceFaultSchema = z.object({
  id: z.string(),
  instanceUuid: z.string(),
  code: z.number().int(),
  message: z.string(),
  details: z.string(),
  host: z.string().nullable(),
  createdAt: z.number(),
});
export type InstanceFault = z.infer<typeof instanceFaultSchema>;

/** What the API shows of a fault (`fault` of a server in ERROR). */
export const faultViewSchema = instanceFaultSchema.pick({ code: true, message: true, details: true, createdAt: true });
export type FaultView = z.infer<typeof faultViewSchema>;
