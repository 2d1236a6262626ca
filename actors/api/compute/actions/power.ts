/**
 * Power actions: reboot (SOFT/HARD), os-stop, os-start, pause, unpause, suspend, resume. The cell
 * checks the state rules (409 InstanceInvalidState) and drives the hypervisor.
 */
import { z } from 'zod';
import type { PowerAction } from '../../../compute/states.ts';
import { contextOf } from '../context.ts';
import { validate } from '../validation.ts';
import { ACCEPTED, action, type ServerAction } from './types.ts';

const nullArg = (args: unknown) => args;

function power(which: PowerAction): ServerAction {
  return action({
    parse: nullArg,
    run: async ({ deps, request, server }) => {
      await deps.compute.powerAction(server.inst.uuid, which, contextOf(request));
      return ACCEPTED;
    },
  });
}

const rebootSchema = z.object({ type: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(['SOFT', 'HARD'])) }).strict();

export const powerActions: Record<string, ServerAction> = {
  reboot: action({
    parse: (args) => validate(rebootSchema, args),
    run: async ({ deps, request, server }, args) => {
      await deps.compute.powerAction(server.inst.uuid, args.type === 'HARD' ? 'reboot_hard' : 'reboot', contextOf(request));
      return ACCEPTED;
    },
  }),
  'os-stop': power('stop'),
  'os-start': power('start'),
  pause: power('pause'),
  unpause: power('unpause'),
  suspend: power('suspend'),
  resume: power('resume'),
};
