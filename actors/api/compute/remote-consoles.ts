/**
 * Remote consoles (nova/api/openstack/compute/remote_consoles.py, console_auth_tokens.py):
 * POST /servers/{id}/remote-consoles (2.6+; mks from 2.8) and the legacy actions os-getVNCConsole,
 * os-getSPICEConsole, os-getSerialConsole (2.1–2.5) have the guest's compute host issue a token and
 * answer the proxy URL; GET /os-console-auth-tokens/{token} (admin) shows where a token leads.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { consoleAccessUrl, consoleBaseUrls, type ConsoleBaseUrls } from '../../console/console-urls.ts';
import { hashConsoleToken, isConsoleType, type ConsoleType } from '../../console/console-auth-token.ts';
import { ConsoleTypeInvalid, ConsoleTypeUnavailable, InstanceNotReady } from '../../console/errors.ts';
import { novaConfig } from '../../../runtime/config/index.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { loadServer } from './server-lookup.ts';
import type { ServerModel } from './views/servers.ts';
import { since } from './version.ts';
import { validate } from './validation.ts';

/** Which console types each protocol offers (Nova's remote-consoles handlers). */
const TYPES_OF_PROTOCOL: ReadonlyMap<string, readonly string[]> = new Map([
  ['vnc', ['novnc', 'xvpvnc']],
  ['spice', ['spice-html5']],
  ['serial', ['serial']],
  ['rdp', ['rdp-html5']],
  ['mks', ['webmks']],
]);

function remoteConsoleSchema(request: FastifyRequest) {
  const mks = since(request, '2.8');
  const protocols = mks ? z.enum(['vnc', 'spice', 'rdp', 'serial', 'mks']) : z.enum(['vnc', 'spice', 'rdp', 'serial']);
  const types = mks
    ? z.enum(['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial', 'webmks'])
    : z.enum(['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial']);
  return z.object({
    remote_console: z.object({
      protocol: protocols,
      type: types,
    }).strict(),
  }).strict();
}

export function baseUrlsOf(deps: ComputeDeps): ConsoleBaseUrls {
  return deps.consoleBaseUrls?.() ?? consoleBaseUrls(novaConfig());
}

/** Issue a token for the server's console and build its URL; shared by the new API and the legacy actions. */
export async function consoleUrl(deps: ComputeDeps, request: FastifyRequest, server: ServerModel, type: string): Promise<string> {
  // Types we know but no hypervisor here offers (RDP went with Hyper-V; MKS is VMware's).
  if (!isConsoleType(type)) throw new ConsoleTypeUnavailable(type);
  const i = server.inst;
  if (!i.host || i.vmState !== 'active' || i.powerState !== 1 || i.taskState === 'deleting') throw new InstanceNotReady(i.uuid);
  const issued = await deps.compute.getConsole(i.uuid, type, contextOf(request));
  return consoleAccessUrl(baseUrlsOf(deps)[type], type, issued.token);
}

export function registerRemoteConsoleRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.post<{ Params: { id: string } }>('/servers/:id/remote-consoles', async (request, reply) => {
    if (!since(request, '2.6')) throw new NotFound('The resource could not be found.');
    const { remote_console: rc } = validate(remoteConsoleSchema(request), request.body);
    const server = await loadServer(deps, request, request.params.id);
    if (!TYPES_OF_PROTOCOL.get(rc.protocol)!.includes(rc.type)) throw new ConsoleTypeInvalid(rc.type);
    const url = await consoleUrl(deps, request, server, rc.type);
    return reply.code(200).send({ remote_console: { protocol: rc.protocol, type: rc.type, url } });
  });

  app.get<{ Params: { token: string } }>('/os-console-auth-tokens/:token', async (request) => {
    requireAdmin(request, 'os_compute_api:os-console-auth-tokens');
    const token = request.params.token;
    if (!token.trim()) throw new BadRequest('Empty token');
    const info = await deps.compute.validateConsoleToken(hashConsoleToken(token), false, request.id);
    if (!info) throw new NotFound('Token not found');
    // Before 2.31 only RDP tokens could be shown (Nova's console_auth_tokens.py).
    if (!since(request, '2.31')) throw new BadRequest('The requested console type details are not accessible');
    return {
      console: { instance_uuid: info.instanceUuid, host: info.host, port: info.port, internal_access_path: info.internalAccessPath },
    };
  });
}

/** The console type named by a legacy action's body, checked against what that action serves. */
export function legacyConsoleType(args: unknown, action: string, allowed: readonly ConsoleType[]): ConsoleType {
  const r = z.object({ type: z.string() }).strict().safeParse(args);
  if (!r.success) throw new BadRequest(`Invalid input for field/attribute ${action}.`);
  const t = r.data.type;
  const match = allowed.find((a) => a === t);
  if (match === undefined) {
    throw new BadRequest(`Invalid input for field/attribute type. Value: ${t}. '${t}' is not one of ${JSON.stringify(allowed)}`);
  }
  return match;
}
