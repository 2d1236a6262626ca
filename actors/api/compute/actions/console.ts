/**
 * os-getConsoleOutput: the guest's serial log from its hypervisor, the last `length` lines (-1 or
 * absent: all). Consoles that need a proxy (VNC, SPICE, serial) are not served yet.
 */
import { BadRequest, Conflict } from '../../../../runtime/errors/index.ts';
import { contextOf } from '../context.ts';
import { action, type ServerAction } from './types.ts';

function parseLength(args: unknown): number | undefined {
  if (args === null || args === undefined) return undefined;
  if (typeof args !== 'object' || Array.isArray(args)) throw new BadRequest('Invalid input for field/attribute os-getConsoleOutput.');
  const extra = Object.keys(args).filter((k) => k !== 'length');
  if (extra.length > 0) throw new BadRequest(`Additional properties are not allowed ('${extra[0]}' was unexpected)`);
  const raw = (args as { length?: unknown }).length;
  if (raw === undefined || raw === null) return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < -1) throw new BadRequest(`Invalid input for field/attribute length. Value: ${String(raw)}.`);
  return n === -1 ? undefined : n;
}

export const consoleActions: Record<string, ServerAction> = {
  'os-getConsoleOutput': action({
    lockable: false,
    parse: parseLength,
    run: async ({ deps, request, server }, length) => {
      if (server.inst.vmState === 'building' || !server.inst.host) {
        throw new Conflict(`Instance ${server.inst.uuid} is not ready`);
      }
      if (length === 0) return { status: 200, body: { output: '' } };
      const output = await deps.compute.consoleOutput(server.inst.uuid, length, contextOf(request));
      return { status: 200, body: { output } };
    },
  }),
};
