/**
 * Host weighers by Nova's class name, as [filter_scheduler] weight_classes lists them. Dotted Nova
 * paths are accepted, and nova.scheduler.weights.all_weighers means every weigher here.
 */
import type { NovaConfig } from '../../../runtime/config/index.ts';
import type { HostWeigher } from './base.ts';
import { BuildFailureWeigher } from './build-failure-weigher.ts';
import { CPUWeigher } from './cpu-weigher.ts';
import { DiskWeigher } from './disk-weigher.ts';
import { RAMWeigher } from './ram-weigher.ts';
import { ServerGroupSoftAffinityWeigher } from './server-group-soft-affinity-weigher.ts';
import { ServerGroupSoftAntiAffinityWeigher } from './server-group-soft-anti-affinity-weigher.ts';

export type HostWeigherFactory = (config: NovaConfig) => HostWeigher;

export const WEIGHERS: Readonly<Record<string, HostWeigherFactory>> = {
  RAMWeigher: (c) => new RAMWeigher(c),
  CPUWeigher: (c) => new CPUWeigher(c),
  DiskWeigher: (c) => new DiskWeigher(c),
  BuildFailureWeigher: (c) => new BuildFailureWeigher(c),
  ServerGroupSoftAffinityWeigher: (c) => new ServerGroupSoftAffinityWeigher(c),
  ServerGroupSoftAntiAffinityWeigher: (c) => new ServerGroupSoftAntiAffinityWeigher(c),
};

export function createWeighers(names: readonly string[], config: NovaConfig): HostWeigher[] {
  const expanded = names.flatMap((full) => {
    const name = full.slice(full.lastIndexOf('.') + 1);
    return name === 'all_weighers' ? Object.keys(WEIGHERS) : [name];
  });
  return expanded.map((name) => {
    const factory = Object.hasOwn(WEIGHERS, name) ? WEIGHERS[name] : undefined;
    if (!factory) {
      throw new Error(`Unknown scheduler weigher '${name}' in [filter_scheduler] weight_classes; ` +
        `known: ${Object.keys(WEIGHERS).join(', ')}`);
    }
    return factory(config);
  });
}
