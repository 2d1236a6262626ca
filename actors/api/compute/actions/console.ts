/**
 * os-getConsoleOutput: the guest's serial log from its hypervisor, the last `length` lines (-1 or
 * absent: all). The legacy console URL actions (os-getVNCConsole, os-getSPICEConsole,
 * os-getSerialConsole; 2.1–2.5, then remote-consoles) answer `{"console": {"type", "url"}}`.
 */
import { BadRequest, Conflict } from '../../../../runtime/errors/index.ts';
import { contextOf } from '../context.ts';
import { action, type ServerAction } from './types.ts';
import { consoleUrl, legacyConsoleType } from '../remote-consoles.ts';
import { within } from '../version.ts';
import type { ConsoleType } from '../../../console/console-auth-token.ts';

/** A legacy get-console action serving `types`; gone from 2.6 on, as in Nova. */
function legacyConsole(name: string, types: readonly ConsoleType[]): ServerAction {
  return action<ConsoleType>({
    lockable: false,
    parse: (args, request) => {
      if (!within(request, '2.1', '2.5')) throw new BadRequest(`There is no such action: ${name}`);
      return legacyConsoleType(args, name, types);
    },
    run: async ({ deps, request, server }, type) => {
      const url = await consoleUrl(deps, request, server, type);
      return { status: 200, body: { console: { type, url } } };
    },
  });
}

function parseLength(args: unknown): number | undefined {
  if (args === null || args === undefined) return undefined;
  if (typeof args !== 'object' || Array.isArray(args)) throw new BadRequest('Invalid input for field/attribute os-getConsoleOutput.');
  const extra = Object.keys(args).filter((k) => k !== 'length');
  if (extra.length > 0) throw new BadRequest(`Additional properties are not allowed ('${extra[0]}' was unexpected)`);
  const raw = 'length' in args ? args.length : undefined;
  if (raw === undefined || raw === null) return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < -1) throw new BadRequest(`Invalid input for field/attribute length. Value: ${String(raw)}.`);
  return n === -1 ? undefined : n;
}

export const consoleActions: Record<string, ServerAction> = {
  'os-getVNCConsole': legacyConsole('os-getVNCConsole', ['novnc', 'xvpvnc']),
  'os-getSPICEConsole': legacyConsole('os-getSPICEConsole', ['spice-html5']),
  'os-getSerialConsole': legacyConsole('os-getSerialConsole', ['serial']),
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
