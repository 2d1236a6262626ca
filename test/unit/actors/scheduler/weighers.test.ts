/** Host weighers: the order each produces, spreading and stacking, and nova/weights.py normalisation. */
import { describe, expect, it } from 'vitest';
import { novaConfig, type NovaConfigInput } from '../../../../runtime/config/index.ts';
import { normalize, weighHosts, type HostWeigher } from '../../../../actors/scheduler/weighers/base.ts';
import { createWeighers, WEIGHERS } from '../../../../actors/scheduler/weighers/registry.ts';
import type { HostState, RequestSpec } from '../../../../actors/scheduler/types.ts';
import { host, spec } from './fixtures.ts';

/** Hosts best-first by the given weighers, with their total weights. */
function ranked(names: string[], hosts: HostState[], s: RequestSpec = spec(), options: NovaConfigInput = {}) {
  const weighers = createWeighers(names, novaConfig(options));
  const total = new Float64Array(hosts.length);
  weighHosts(weighers, hosts, Int32Array.from(hosts.keys()), hosts.length, s, total, new Float64Array(hosts.length));
  return hosts.map((h, i) => ({ host: h.host, w: total[i]! })).sort((a, b) => b.w - a.w);
}
const order = (r: Array<{ host: string }>) => r.map((x) => x.host);

describe('normalisation (nova/weights.py)', () => {
  it('scales min..max to 0..1', () => {
    expect(normalize([10, 20, 15])).toEqual([0, 1, 0.5]);
  });
  it('gives all zeros when every value is the same', () => {
    expect(normalize([7, 7, 7])).toEqual([0, 0, 0]);
  });
  it('is per request: the same host weighs differently among different peers', () => {
    const a = host('a', { memoryMbUsed: 8192 });
    expect(ranked(['RAMWeigher'], [a, host('b')]).find((x) => x.host === 'a')!.w).toBe(0);
    expect(ranked(['RAMWeigher'], [a, host('c', { memoryMbUsed: 12288 })]).find((x) => x.host === 'a')!.w).toBe(1);
  });
  it('a single host weighs 0', () => {
    expect(ranked(['RAMWeigher'], [host('a')])[0]!.w).toBe(0);
  });
});

describe('RAMWeigher', () => {
  const hosts = [host('full', { memoryMbUsed: 12288 }), host('empty'), host('half', { memoryMbUsed: 8192 })];
  it('spreads by default: most free RAM first', () => {
    expect(order(ranked(['RAMWeigher'], hosts))).toEqual(['empty', 'half', 'full']);
  });
  it('stacks with a negative multiplier: least free RAM first', () => {
    expect(order(ranked(['RAMWeigher'], hosts, spec(), { filter_scheduler: { ram_weight_multiplier: -1.0 } })))
      .toEqual(['full', 'half', 'empty']);
  });
  it('counts reserved memory as used', () => {
    const r = ranked(['RAMWeigher'], [host('a', { reservedHostMemoryMb: 4096 }), host('b', { memoryMbUsed: 2048 })]);
    expect(order(r)).toEqual(['b', 'a']);
  });
});

describe('CPUWeigher', () => {
  const hosts = [host('busy', { vcpusUsed: 100 }), host('idle'), host('big', { vcpus: 16, vcpusUsed: 100 })];
  it('prefers the most free vCPUs after overcommit', () => {
    // free: busy 28, idle 128, big 156
    expect(order(ranked(['CPUWeigher'], hosts))).toEqual(['big', 'idle', 'busy']);
  });
  it('stacks with a negative multiplier', () => {
    expect(order(ranked(['CPUWeigher'], hosts, spec(), { filter_scheduler: { cpu_weight_multiplier: -2 } })))
      .toEqual(['busy', 'idle', 'big']);
  });
});

describe('DiskWeigher', () => {
  const hosts = [host('a', { localGbUsed: 50 }), host('b', { localGbUsed: 10 }), host('c', { localGb: 40 })];
  it('prefers the most free disk', () => {
    expect(order(ranked(['DiskWeigher'], hosts))).toEqual(['b', 'a', 'c']);
  });
  it('stacks with a negative multiplier', () => {
    expect(order(ranked(['DiskWeigher'], hosts, spec(), { filter_scheduler: { disk_weight_multiplier: -1 } })))
      .toEqual(['c', 'a', 'b']);
  });
});

describe('BuildFailureWeigher', () => {
  it('sinks hosts with failed builds below every healthy host, whatever RAM says', () => {
    const hosts = [host('failing', { failedBuilds: 1 }), host('busy', { memoryMbUsed: 15000 }), host('worse', { failedBuilds: 3 })];
    const r = ranked(['RAMWeigher', 'BuildFailureWeigher'], hosts);
    expect(order(r)).toEqual(['busy', 'failing', 'worse']);
    expect(r[2]!.w).toBeLessThan(-999_000);
  });
  it('uses build_failure_weight_multiplier, negated as Nova does', () => {
    const [w] = createWeighers(['BuildFailureWeigher'], novaConfig({ filter_scheduler: { build_failure_weight_multiplier: 10 } }));
    expect(w!.multiplier).toBe(-10);
  });
});

describe('weighers add up, each scaled by its multiplier', () => {
  it('RAM and CPU pull in different directions; the bigger multiplier wins', () => {
    const hosts = [host('ram-rich', { vcpusUsed: 120 }), host('cpu-rich', { memoryMbUsed: 14000 })];
    expect(order(ranked(['RAMWeigher', 'CPUWeigher'], hosts, spec(), { filter_scheduler: { cpu_weight_multiplier: 2 } })))
      .toEqual(['cpu-rich', 'ram-rich']);
    expect(order(ranked(['RAMWeigher', 'CPUWeigher'], hosts, spec(), { filter_scheduler: { ram_weight_multiplier: 2 } })))
      .toEqual(['ram-rich', 'cpu-rich']);
  });
  it('keeps no state between requests', () => {
    const weighers: HostWeigher[] = createWeighers(['RAMWeigher'], novaConfig());
    const run = (hosts: HostState[]) => {
      const total = new Float64Array(hosts.length);
      weighHosts(weighers, hosts, Int32Array.from(hosts.keys()), hosts.length, spec(), total, new Float64Array(hosts.length));
      return Array.from(total);
    };
    run([host('x', { memoryMbUsed: 16000 }), host('y')]);
    expect(run([host('a', { memoryMbUsed: 8000 }), host('b', { memoryMbUsed: 4000 })])).toEqual([0, 1]);
  });
});

describe('server group soft (anti-)affinity weighers', () => {
  const withMembers = host('with', { instances: new Set(['m1', 'm2']) });
  const without = host('without');
  it('soft-affinity prefers hosts running members', () => {
    const s = spec({ instanceGroup: { uuid: 'g', policy: 'soft-affinity', hosts: ['with'], members: ['m1', 'm2'] } });
    expect(order(ranked(['ServerGroupSoftAffinityWeigher'], [without, withMembers], s))).toEqual(['with', 'without']);
  });
  it('soft-anti-affinity prefers hosts without members', () => {
    const s = spec({ instanceGroup: { uuid: 'g', policy: 'soft-anti-affinity', hosts: ['with'], members: ['m1', 'm2'] } });
    expect(order(ranked(['ServerGroupSoftAntiAffinityWeigher'], [withMembers, without], s))).toEqual(['without', 'with']);
  });
  it('has no effect for other policies', () => {
    const s = spec({ instanceGroup: { uuid: 'g', policy: 'anti-affinity', hosts: ['with'], members: ['m1', 'm2'] } });
    expect(ranked(['ServerGroupSoftAffinityWeigher'], [withMembers, without], s).every((x) => x.w === 0)).toBe(true);
  });
});

describe('weigher registry', () => {
  it('knows every weigher by class name and all_weighers', () => {
    for (const name of Object.keys(WEIGHERS)) expect(createWeighers([name], novaConfig())[0]!.name).toBe(name);
    expect(createWeighers(['nova.scheduler.weights.all_weighers'], novaConfig())).toHaveLength(Object.keys(WEIGHERS).length);
  });
  it('refuses an unknown weigher', () => {
    expect(() => createWeighers(['FooWeigher'], novaConfig())).toThrow(/FooWeigher/);
  });
});
