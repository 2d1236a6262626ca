/**
 * RequestSpec (nova/objects/request_spec.py) as it travels with a build: everything a leaf cell needs
 * to schedule it — flavor, image, zone, hints, the server group with its members' hosts. The leaf's
 * scheduler widens it into its own RequestSpec (actors/scheduler/types.ts) with the instances and retries.
 */
import { z } from 'zod';
import { flavorSchema } from './flavor.ts';
import { imageSchema } from './image.ts';
import { instanceGroupSchema } from './instance-group.ts';

export const requestSpecWireSchema = z.object({
  projectId: z.string(),
  userId: z.string(),
  flavor: flavorSchema,
  image: imageSchema,
  availabilityZone: z.string().nullable(),
  schedulerHints: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  instanceGroup: instanceGroupSchema.nullable(),
  ignoreHosts: z.array(z.string()),
  forceHosts: z.array(z.string()),
  forceNodes: z.array(z.string()),
});
export type RequestSpecWire = z.infer<typeof requestSpecWireSchema>;
