/**
 * addSecurityGroup / removeSecurityGroup: associate a server with a group of its project, by name
 * (nova/compute/api.py SecurityGroupAPI.add_to_instance): an unknown group is 404, adding one twice or
 * removing one the server is not in is 400. Server attrs keep the names, as server bodies show them.
 * The `openstack` CLI sends the group's id instead (`{"name": 2}`); like Nova with Neutron, a name or
 * an id is accepted.
 */
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../../runtime/errors/index.ts';
import { DEFAULT_GROUP, ensureDefaultGroup } from '../security-groups.ts';
import { ensureMapping } from '../servers.ts';
import { novaName, validate } from '../validation.ts';
import { ACCEPTED, action, type ActionContext, type ServerAction } from './types.ts';

const sgSchema = z.object({ name: z.union([novaName(255, true), z.number().int().positive()]) }).strict();

/** The group's name, found by name or by id among the server's project's groups; 404 otherwise. */
async function groupNamed(ctx: ActionContext, nameOrId: string | number): Promise<string> {
  const { deps, server } = ctx;
  const project = server.inst.projectId;
  if (nameOrId === DEFAULT_GROUP) await ensureDefaultGroup(deps, project, server.inst.userId);
  const byName = typeof nameOrId === 'string' ? deps.store.network.byName(project, nameOrId) : undefined;
  const asId = typeof nameOrId === 'number' ? nameOrId : /^\d{1,9}$/.test(nameOrId) ? Number(nameOrId) : undefined;
  const byId = asId === undefined ? undefined : deps.store.network.get(asId);
  const g = byName ?? (byId?.projectId === project ? byId : undefined);
  if (!g) throw new NotFound(`Security group ${nameOrId} not found for project ${project}.`);
  return g.name;
}

async function setGroups(ctx: ActionContext, groups: string[]): Promise<void> {
  const { deps, server } = ctx;
  await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
  await deps.store.instances.patch(server.inst.uuid, { securityGroups: groups });
}

export const securityGroupActions: Record<string, ServerAction> = {
  addSecurityGroup: action({
    parse: (args) => validate(sgSchema, args),
    run: async (ctx, a) => {
      const name = await groupNamed(ctx, a.name);
      const groups = ctx.server.attrs.securityGroups ?? [DEFAULT_GROUP];
      if (groups.includes(name)) throw new BadRequest(`Security group ${name} is already associated with the instance ${ctx.server.inst.uuid}`);
      await setGroups(ctx, [...groups, name]);
      return ACCEPTED;
    },
  }),
  removeSecurityGroup: action({
    parse: (args) => validate(sgSchema, args),
    run: async (ctx, a) => {
      const name = await groupNamed(ctx, a.name);
      const groups = ctx.server.attrs.securityGroups ?? [DEFAULT_GROUP];
      if (!groups.includes(name)) throw new BadRequest(`Security group ${name} not associated with the instance ${ctx.server.inst.uuid}`);
      await setGroups(ctx, groups.filter((g) => g !== name));
      return ACCEPTED;
    },
  }),
};
