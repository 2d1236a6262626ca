/** Finding the caller's servers by EC2 instance id (one list through the cells per request). */
import { listServers } from '../../compute/server-lookup.ts';
import type { ServerModel } from '../../compute/views/servers.ts';
import { Ec2Error, instanceNotFound } from '../errors.ts';
import { ec2InstanceId, isEc2InstanceId } from '../ids.ts';
import type { Ec2Context } from './types.ts';

export async function serversOf(c: Ec2Context): Promise<ServerModel[]> {
  return listServers(c.deps, c.request, false);
}

/** The servers `ids` name, in order; InvalidInstanceID.Malformed / .NotFound for the first that does not resolve. */
export async function serversByIds(c: Ec2Context, ids: string[], all?: ServerModel[]): Promise<ServerModel[]> {
  for (const id of ids) if (!isEc2InstanceId(id)) throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
  const byId = new Map((all ?? (await serversOf(c))).map((m) => [ec2InstanceId(m.inst.uuid), m]));
  return ids.map((id) => {
    const m = byId.get(id);
    if (!m) throw instanceNotFound(id);
    return m;
  });
}

/** `InstanceId.N`, at least one. */
export function requiredInstanceIds(c: Ec2Context): string[] {
  const ids = c.params.list('InstanceId');
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
  return ids;
}
