/**
 * trigger_crash_dump (2.17+): the owning cell has the guest's compute host inject an NMI (QMP
 * `inject-nmi` on the QEMU driver), for an ACTIVE or ERROR server without a task; the outcome is
 * recorded as the instance action `trigger_crash_dump` (nova/compute/api.py trigger_crash_dump).
 */
import { BadRequest } from '../../../../runtime/errors/index.ts';
import { contextOf } from '../context.ts';
import { since } from '../version.ts';
import { ACCEPTED, action, type ServerAction } from './types.ts';

export const crashDumpActions: Record<string, ServerAction> = {
  trigger_crash_dump: action({
    parse: (args, request) => {
      if (!since(request, '2.17')) throw new BadRequest('There is no such action: trigger_crash_dump');
      if (args !== null) throw new BadRequest(`Invalid input for field/attribute trigger_crash_dump. Value: ${JSON.stringify(args)}. ${JSON.stringify(args)} is not of type 'null'`);
      return null;
    },
    run: async ({ deps, request, server }) => {
      await deps.compute.instanceTask(server.inst.uuid, { kind: 'trigger_crash_dump' }, contextOf(request));
      return ACCEPTED;
    },
  }),
};
