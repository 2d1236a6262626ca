/**
 * Aggregate (nova/objects/aggregate.py): a host aggregate with its availability zone and metadata, as
 * the API cell pushes it to every cell that has hosts. The scheduler's view leaves the hosts out.
 */
import { z } from 'zod';

export const aggregateSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  availabilityZone: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  hosts: z.array(z.string()),
});
export type Aggregate = z.infer<typeof aggregateSchema>;
/** An aggregate as a host's scheduler state holds it (its hosts are implied). */
export type AggregateInfo = Omit<Aggregate, 'hosts'>;
