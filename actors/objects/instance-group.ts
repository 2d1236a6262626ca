/**
 * InstanceGroup (nova/objects/instance_group.py): a server group as it travels in a request spec, with
 * the hosts its members run on (the scheduler appends to them within a request, as Nova does).
 */
import { z } from 'zod';

export const instanceGroupPolicies = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;

export const instanceGroupSchema = z.object({
  uuid: z.string(),
  policy: z.enum(instanceGroupPolicies),
  hosts: z.array(z.string()),
  members: z.array(z.string()),
  /** Nova's `max_server_per_host` rule of anti-affinity (default 1). */
  maxServerPerHost: z.number().int().positive().optional(),
});
export type InstanceGroup = z.infer<typeof instanceGroupSchema>;
