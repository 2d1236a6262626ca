/**
 * addSecurityGroup / removeSecurityGroup: associate a server with a group of its project, by name
 * (nova/compute/api.py SecurityGroupAPI.add_to_instance): an unknown group is 404, adding one twice or
 * removing one the server is not in is 400. Server attrs keep the names, as server bodies show them.
 */
import { z } from 'zod';
import { BadRequest, NotFound } from '../../../../runtime/errors/index.ts';
import { DEFAULT_GROUP, ensureDefaultGroup } from '../security-groups.ts';
import { ensureMapping } from '../servers.ts';
import { novaName, validate } from '../validation.ts';
import { ACCEPTED, action, type ActionContext, type ServerAction } from './types.ts';

const sgSchema = z.object({ name: novaName(255, true) }).strict();

async function groupNamed(ctx: ActionContext, name: string): Promise<void> {
  const { deps, server } = ctx;
  if (name === DEFAULT_GROUP) await ensureDefaultGroup(deps, server.inst.projectId, server.inst.userId);
  if (!deps.store.network.byName(server.inst.projectId, name)) throw new NotFound(`Security group ${name} not found for project ${server.inst.projectId}.`);
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
      await groupNamed(ctx, a.name);
      const groups = ctx.server.attrs.securityGroups ?? [DEFAULT_GROUP];
      if (groups.includes(a.name)) throw new BadRequest(`Security group ${a.name} is already associated with the instance ${ctx.server.inst.uuid}`);
      await setGroups(ctx, [...groups, a.name]);
      return ACCEPTED;
    },
  }),
  removeSecurityGroup: action({
    parse: (args) => validate(sgSchema, args),
    run: async (ctx, a) => {
      await groupNamed(ctx, a.name);
      const groups = ctx.server.attrs.securityGroups ?? [DEFAULT_GROUP];
      if (!groups.includes(a.name)) throw new BadRequest(`Security group ${a.name} not associated with the instance ${ctx.server.inst.uuid}`);
      await setGroups(ctx, groups.filter((g) => g !== a.name));
      return ACCEPTED;
    },
  }),
};
