/**
 * RequestContext (nova/context.py): who a request is for — the request id, user, project and roles —
 * set by the API from the caller's token and carried with every message of the request (the bus
 * envelope's `reqId` and `context`), so every service records and logs the same ones. Who *sent* a
 * message is a different thing: the principal the transport authenticated (cells/security).
 */
import { z } from 'zod';
import type { WireContext } from '../../runtime/bus/index.ts';

export const requestContextSchema = z.object({
  requestId: z.string().max(128),
  userId: z.string().max(255),
  projectId: z.string().max(255),
  roles: z.array(z.string().max(255)).max(64),
});
export type RequestContext = z.infer<typeof requestContextSchema>;

/** The part of a context that travels in an envelope beside its request id. */
export function toWire(ctx: Pick<RequestContext, 'userId' | 'projectId' | 'roles'>): WireContext {
  return { userId: ctx.userId, projectId: ctx.projectId, roles: ctx.roles };
}
