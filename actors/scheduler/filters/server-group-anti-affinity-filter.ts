/**
 * ServerGroupAntiAffinityFilter (nova/scheduler/filters/affinity_filter.py): a host may hold fewer
 * than max_server_per_host (default 1) members of an `anti-affinity` group. Instances of the
 * request being placed count as members even if the caller has not listed them yet. A single
 * instance already on the host (a move) does not count against it, as in Nova.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter, PerRequest } from './base.ts';

function membersOnHost(host: HostState, members: ReadonlySet<string>, requested: readonly string[]): number {
  let n = 0;
  if (members.size < host.instances.size) {
    for (const m of members) if (host.instances.has(m)) n++;
  } else {
    for (const i of host.instances) if (members.has(i)) n++;
  }
  for (const u of requested) if (!members.has(u) && host.instances.has(u)) n++;
  return n;
}

export class ServerGroupAntiAffinityFilter extends BaseHostFilter {
  readonly name = 'ServerGroupAntiAffinityFilter';
  private readonly members = new PerRequest(
    (s) => s.instanceGroup?.members,
    (s) => new Set(s.instanceGroup?.members ?? []),
  );

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const group = spec.instanceGroup;
    if (group === null || group.policy !== 'anti-affinity') return true;
    if (spec.instanceUuids.length === 1 && host.instances.has(spec.instanceUuids[0]!)) return true;
    const max = group.maxServerPerHost ?? 1;
    if (max <= 1 && group.hosts.includes(host.host)) return false;
    return membersOnHost(host, this.members.get(spec), spec.instanceUuids) < max;
  }

  override prepare(spec: RequestSpec): boolean {
    if (spec.instanceGroup?.policy !== 'anti-affinity') return false;
    this.members.refresh(spec);
    return true;
  }
}
