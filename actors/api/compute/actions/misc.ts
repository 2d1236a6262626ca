/**
 * The remaining actions. changePassword is accepted for a running server (no guest agent to talk
 * to, like a hypervisor without set_admin_password support would not be). Security groups: only
 * "default" exists without a networking service; removing it leaves the server in none.
 * injectNetworkInfo is admin-only and accepted (202) as Nova does — there is no guest agent to push
 * network data to; resetNetwork went with the XenAPI driver and answers 410 Gone, before any lookup or
 * policy check, as Nova's admin_actions.py does. The other nova-network-era actions need services
 * this cloud does not have. Moves are in migrate.ts.
 */
import { z } from 'zod';
import { BadRequest, InstanceInvalidState, NotFound } from '../../../../runtime/errors/index.ts';
import { NotImplementedByCells } from '../../compute-api.ts';
import { removedApi } from '../removed.ts';
import { ensureMapping } from '../servers.ts';
import { novaName, validate } from '../validation.ts';
import { ACCEPTED, action, type ServerAction } from './types.ts';

const sgSchema = z.object({ name: novaName(255, true) }).strict();

function notSupported(name: string): ServerAction {
  return action({
    parse: (args) => args,
    run: async () => {
      throw new NotImplementedByCells(`The '${name}' action is not supported by this cloud.`);
    },
  });
}

export const miscActions: Record<string, ServerAction> = {
  changePassword: action({
    parse: (args) => validate(z.object({ adminPass: z.string() }).strict(), args),
    run: async ({ server }) => {
      if (server.inst.vmState !== 'active' || server.inst.taskState !== null) {
        throw new InstanceInvalidState(`Cannot 'changePassword' instance ${server.inst.uuid} while it is in vm_state ${server.inst.vmState}`);
      }
      return ACCEPTED;
    },
  }),
  addSecurityGroup: action({
    parse: (args) => validate(sgSchema, args),
    run: async ({ deps, server }, a) => {
      if (a.name !== 'default') throw new NotFound(`Security group ${a.name} not found.`);
      const groups = server.attrs.securityGroups ?? ['default'];
      if (groups.includes(a.name)) throw new BadRequest(`Security group ${a.name} is already associated with the instance ${server.inst.uuid}`);
      await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
      await deps.store.instances.patch(server.inst.uuid, { securityGroups: [...groups, a.name] });
      return ACCEPTED;
    },
  }),
  removeSecurityGroup: action({
    parse: (args) => validate(sgSchema, args),
    run: async ({ deps, server }, a) => {
      const groups = server.attrs.securityGroups ?? ['default'];
      if (a.name !== 'default') throw new NotFound(`Security group ${a.name} not found.`);
      if (!groups.includes(a.name)) throw new BadRequest(`Security group ${a.name} not associated with the instance ${server.inst.uuid}`);
      await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
      await deps.store.instances.patch(server.inst.uuid, { securityGroups: groups.filter((g) => g !== a.name) });
      return ACCEPTED;
    },
  }),
  injectNetworkInfo: action({
    adminRule: 'os_compute_api:os-admin-actions:inject_network_info',
    parse: (args) => args,
    run: async () => ACCEPTED,
  }),
  resetNetwork: action({
    parse: () => {
      throw removedApi();
    },
    run: async () => ACCEPTED,
  }),
  addFixedIp: notSupported('addFixedIp'),
  removeFixedIp: notSupported('removeFixedIp'),
  addFloatingIp: notSupported('addFloatingIp'),
  removeFloatingIp: notSupported('removeFloatingIp'),
  trigger_crash_dump: notSupported('trigger_crash_dump'),
  'os-getRDPConsole': notSupported('os-getRDPConsole'),
};
