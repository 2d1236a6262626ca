/** The one message a leaf's placement serves: `placement_call {op, args}`, answered with a PlacementReply. */
import { z } from 'zod';
import { defineMessage } from '../../runtime/bus/index.ts';
import { PLACEMENT_OPS } from './operations.ts';

export const PlacementCall = defineMessage(
  'placement_call',
  1,
  z.object({ op: z.enum(PLACEMENT_OPS), args: z.unknown() }),
);
export type PlacementCallBody = z.infer<typeof PlacementCall>;
