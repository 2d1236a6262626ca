/**
 * Shared part of the soft (anti-)affinity weighers (nova/scheduler/weights/affinity.py): how many
 * members of the request's server group already run on a host, counting instances of this request
 * placed so far. Their multipliers are Nova's [filter_scheduler] soft_affinity_weight_multiplier and
 * soft_anti_affinity_weight_multiplier (default 1.0), read if the config carries them.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { HostState, InstanceGroupSpec, RequestSpec } from '../types.ts';

export function multiplierOption(config: NovaConfig, option: string, fallback: number): number {
  const v: unknown = new Map<string, unknown>(Object.entries(config.filter_scheduler)).get(option);
  return typeof v === 'number' ? v : fallback;
}

export function groupMembersOnHost(host: HostState, spec: RequestSpec, policy: InstanceGroupSpec['policy']): number {
  const group = spec.instanceGroup;
  if (group === null || group.policy !== policy) return 0;
  let n = 0;
  for (const m of group.members) if (host.instances.has(m)) n++;
  for (const u of spec.instanceUuids) if (!group.members.includes(u) && host.instances.has(u)) n++;
  return n;
}
