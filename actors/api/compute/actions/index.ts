/**
 * POST /servers/{id}/action: the body names one action (`{"reboot": {...}}`); its argument is checked
 * first (400), then the server is looked up (404, also for another project's), then the policy and
 * lock rules apply (403, 409), then the action runs.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest } from '../../../../runtime/errors/index.ts';
import { requireAdmin } from '../context.ts';
import type { ComputeDeps } from '../deps.ts';
import { checkNotLocked, loadServer } from '../server-lookup.ts';
import { asObject } from '../validation.ts';
import { consoleActions } from './console.ts';
import { crashDumpActions } from './crash-dump.ts';
import { lifecycleActions } from './lifecycle.ts';
import { lockActions } from './lock.ts';
import { miscActions } from './misc.ts';
import { migrateActions } from './migrate.ts';
import { powerActions } from './power.ts';
import { securityGroupActions } from './security-groups.ts';
import { snapshotActions } from './snapshot.ts';
import type { ServerAction } from './types.ts';

export const SERVER_ACTIONS: Readonly<Record<string, ServerAction>> = {
  ...powerActions, ...lockActions, ...consoleActions, ...snapshotActions, ...lifecycleActions, ...miscActions,
  // After miscActions: these replace its 'default'-only security group actions, its 501 for
  // trigger_crash_dump and for the moves.
  ...securityGroupActions,
  ...crashDumpActions,
  ...migrateActions,
};

export function registerServerActionRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.post<{ Params: { id: string } }>('/servers/:id/action', async (request, reply) => {
    const body = asObject(request.body);
    const names = Object.keys(body);
    const name = names.find((n) => Object.hasOwn(SERVER_ACTIONS, n));
    if (!name) throw new BadRequest(names.length === 0 ? 'Malformed request body' : `There is no such action: ${names[0]}`);
    const act = SERVER_ACTIONS[name]!;
    const run = act.parse(body[name], request);
    if (act.adminRule) requireAdmin(request, act.adminRule);
    const server = await loadServer(deps, request, request.params.id);
    if (act.lockable !== false) checkNotLocked(request, server);
    const r = await run({ deps, request, server });
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
    reply.code(r.status);
    return r.body === undefined ? reply.send() : reply.send(r.body);
  });
}
