/**
 * lock / unlock (API-side, as in Nova where locking is a flag the API checks): an owner cannot act on
 * a locked server; an admin can, and a server locked by an admin can only be unlocked by an admin.
 */
import { z } from 'zod';
import { callerOf, policyDenied } from '../context.ts';
import { ensureMapping } from '../servers.ts';
import { validate, when } from '../validation.ts';
import { since } from '../version.ts';
import { ACCEPTED, action, type ServerAction } from './types.ts';

export const lockActions: Record<string, ServerAction> = {
  lock: action({
    lockable: false,
    parse: (args, request) => {
      if (args === null || args === undefined) return { reason: null };
      // locked_reason is 2.73's; before it the body is an empty object.
      const schema = z.object({ locked_reason: z.string().max(255).optional() })
        .pick({ locked_reason: when(since(request, '2.73')) }).strict();
      const a = validate(schema, args);
      return { reason: a.locked_reason ?? null };
    },
    run: async ({ deps, request, server }, args) => {
      const caller = callerOf(request);
      await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
      await deps.store.instances.patch(server.inst.uuid, {
        locked: true, lockedReason: args.reason, lockedBy: caller.isAdmin && caller.projectId !== server.inst.projectId ? 'admin' : 'owner',
      });
      return ACCEPTED;
    },
  }),
  unlock: action({
    lockable: false,
    parse: (args) => args,
    run: async ({ deps, request, server }) => {
      const caller = callerOf(request);
      if (server.attrs.lockedBy === 'admin' && !caller.isAdmin) throw policyDenied('os_compute_api:os-lock-server:unlock:unlock_override');
      await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
      await deps.store.instances.patch(server.inst.uuid, { locked: false, lockedReason: null, lockedBy: null });
      return ACCEPTED;
    },
  }),
};
