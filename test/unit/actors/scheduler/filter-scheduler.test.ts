/** select_destinations end to end: consumption, alternates, subset, claims, failure rollback, groups. */
import { describe, expect, it } from 'vitest';
import { novaConfig, type NovaConfigInput } from '../../../../runtime/config/index.ts';
import { NoValidHost } from '../../../../runtime/errors/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { FilterScheduler } from '../../../../actors/scheduler/filter-scheduler.ts';
import { formatFilterExplanation } from '../../../../actors/scheduler/explain.ts';
import { HostManager } from '../../../../actors/scheduler/host-manager.ts';
import type { HostState, InstanceGroupSpec, Selection } from '../../../../actors/scheduler/types.ts';
import { flavor, host, spec } from './fixtures.ts';

function scheduler(options: NovaConfigInput = {}, seed = 'seed'): FilterScheduler {
  return new FilterScheduler(novaConfig(options), new SeededRng(seed).stream('scheduler'));
}
/** Hosts whose free RAM falls in the order given: a has the most. */
function rankedHosts(names: string[]): HostState[] {
  return names.map((n, i) => host(n, { memoryMbUsed: i * 256 }));
}
const hostsOf = (sels: Selection[]) => sels.map((s) => s.host);
function snapshot(hosts: HostState[]) {
  return hosts.map((h) => ({ v: h.vcpusUsed, m: h.memoryMbUsed, d: h.localGbUsed, n: h.numInstances, i: [...h.instances] }));
}

describe('FilterScheduler.selectDestinations', () => {
  it('chooses the best-weighed host that passes the filters', () => {
    const hosts = [host('small', { memoryMbUsed: 8192 }), host('down', { serviceUp: false }), host('roomy')];
    const [sel] = scheduler().selectDestinations(spec(), hosts);
    expect(sel![0]).toEqual({ host: 'roomy', nodename: 'roomy', uuid: 'rp-roomy', instanceUuid: 'inst-1' });
  });

  it('consumes within a request: instance 2 sees instance 1', () => {
    const hosts = [host('a', { memoryMbUsed: 0 }), host('b', { memoryMbUsed: 1024 })];
    const s = spec({ instanceUuids: ['i1', 'i2'], flavor: flavor({ memoryMb: 4096 }) });
    const result = scheduler().selectDestinations(s, hosts);
    expect(result.map((r) => r[0]!.host)).toEqual(['a', 'b']);
    expect(result.map((r) => r[0]!.instanceUuid)).toEqual(['i1', 'i2']);
    expect(hosts[0]!.memoryMbUsed).toBe(4096);
    expect(hosts[0]!.instances.has('i1')).toBe(true);
    expect(hosts[1]!.numInstances).toBe(1);
  });

  it('stops placing on a host once it is full', () => {
    const hosts = [host('a', { memoryMb: 4096 }), host('b', { memoryMb: 4096 }), host('c', { memoryMb: 4096 })];
    const s = spec({ instanceUuids: ['i1', 'i2', 'i3'], flavor: flavor({ memoryMb: 3000 }) });
    const result = scheduler({ filter_scheduler: { ram_weight_multiplier: -1 } }).selectDestinations(s, hosts);
    expect(new Set(result.map((r) => r[0]!.host)).size).toBe(3);
  });

  it('returns max_attempts - 1 distinct alternates after the chosen host', () => {
    const hosts = rankedHosts(['a', 'b', 'c', 'd', 'e']);
    const [sels] = scheduler().selectDestinations(spec(), hosts);
    expect(hostsOf(sels!)).toEqual(['a', 'b', 'c']);
    const five = scheduler({ scheduler: { max_attempts: 5 } }).selectDestinations(spec(), rankedHosts(['a', 'b', 'c', 'd', 'e']));
    expect(hostsOf(five[0]!)).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const s of sels!) expect(s.instanceUuid).toBe('inst-1');
  });

  it('returns fewer alternates when fewer hosts pass, and none with max_attempts 1', () => {
    expect(scheduler().selectDestinations(spec(), rankedHosts(['a', 'b']))[0]).toHaveLength(2);
    expect(scheduler({ scheduler: { max_attempts: 1 } }).selectDestinations(spec(), rankedHosts(['a', 'b']))[0]).toHaveLength(1);
  });

  it('never offers a host chosen for another instance of the request as an alternate', () => {
    const hosts = rankedHosts(['a', 'b', 'c', 'd', 'e', 'f']);
    const result = scheduler().selectDestinations(spec({ instanceUuids: ['i1', 'i2'], flavor: flavor({ memoryMb: 8192 }) }), hosts);
    const chosen = result.map((r) => r[0]!.host);
    expect(new Set(chosen).size).toBe(2);
    for (const r of result) {
      expect(r).toHaveLength(3);
      const alts = hostsOf(r.slice(1));
      expect(new Set(alts).size).toBe(2);
      for (const alt of alts) expect(chosen).not.toContain(alt);
    }
  });

  it('picks at random among the best host_subset_size hosts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const [sels] = scheduler({ filter_scheduler: { host_subset_size: 3 } }, `seed-${i}`)
        .selectDestinations(spec(), rankedHosts(['a', 'b', 'c', 'd', 'e']));
      seen.add(sels![0]!.host);
      expect(new Set(hostsOf(sels!)).size).toBe(sels!.length);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('is deterministic for a seed', () => {
    const run = () => scheduler({ filter_scheduler: { host_subset_size: 4 } }, 'same')
      .selectDestinations(spec({ instanceUuids: ['i1', 'i2', 'i3'] }), rankedHosts(['a', 'b', 'c', 'd', 'e', 'f']))
      .map((r) => r[0]!.host);
    expect(run()).toEqual(run());
  });

  it('with shuffle_best_same_weighed_hosts, spreads over hosts tied for best', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const hosts = [host('a'), host('b'), host('c'), host('d', { memoryMbUsed: 4096 })];
      const [sels] = scheduler({ filter_scheduler: { shuffle_best_same_weighed_hosts: true } }, `s${i}`)
        .selectDestinations(spec(), hosts);
      seen.add(sels![0]!.host);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('falls back to the next best host when the placement claim is refused', () => {
    const hosts = rankedHosts(['a', 'b', 'c', 'd', 'e']);
    const tried: string[] = [];
    const [sels] = scheduler().selectDestinations(spec(), hosts, (sel) => {
      tried.push(sel.host);
      return sel.host !== 'a' && sel.host !== 'b';
    });
    expect(tried).toEqual(['a', 'b', 'c']);
    expect(hostsOf(sels!)).toEqual(['c', 'd', 'e']);
    expect(hosts[0]!.memoryMbUsed).toBe(0);
    expect(hosts[2]!.instances.has('inst-1')).toBe(true);
  });

  it('goes past the ranked top hosts when many claims are refused', () => {
    const hosts = rankedHosts(Array.from({ length: 30 }, (_, i) => `h${String(i).padStart(2, '0')}`));
    const [sels] = scheduler().selectDestinations(spec(), hosts, (sel) => sel.host === 'h25');
    expect(hostsOf(sels!)).toEqual(['h25', 'h26', 'h27']);
  });

  it('throws NoValidHost when every claim is refused, leaving hosts untouched', () => {
    const hosts = rankedHosts(['a', 'b']);
    const before = snapshot(hosts);
    expect(() => scheduler().selectDestinations(spec(), hosts, () => false)).toThrow(NoValidHost);
    expect(snapshot(hosts)).toEqual(before);
  });

  it('throws NoValidHost when no host passes the filters', () => {
    const hosts = [host('a', { serviceUp: false }), host('b', { memoryMb: 1024 })];
    expect(() => scheduler().selectDestinations(spec(), hosts)).toThrow(NoValidHost);
  });

  it('fails a multi-instance request whole and undoes consumption, group hosts and claims', () => {
    const hosts = [host('a', { memoryMb: 4096 }), host('b', { memoryMb: 4096 })];
    const group: InstanceGroupSpec = { uuid: 'g', policy: 'anti-affinity', hosts: [], members: ['i1', 'i2', 'i3'] };
    const before = snapshot(hosts);
    const claimed: string[] = [];
    const released: string[] = [];
    expect(() => scheduler().selectDestinations(
      spec({ instanceUuids: ['i1', 'i2', 'i3'], instanceGroup: group, flavor: flavor({ memoryMb: 1024 }) }), hosts,
      (sel) => { claimed.push(sel.instanceUuid); return true; },
      (sel) => { released.push(sel.instanceUuid); },
    )).toThrow(NoValidHost);
    expect(snapshot(hosts)).toEqual(before);
    expect(group.hosts).toEqual([]);
    expect(claimed).toEqual(['i1', 'i2']);
    expect(released).toEqual(['i2', 'i1']);
  });

  it('places an anti-affinity group of one request on distinct hosts', () => {
    const hosts = rankedHosts(['a', 'b', 'c', 'd']);
    const group: InstanceGroupSpec = { uuid: 'g', policy: 'anti-affinity', hosts: [], members: [] };
    const result = scheduler({ filter_scheduler: { ram_weight_multiplier: -1 } })
      .selectDestinations(spec({ instanceUuids: ['i1', 'i2', 'i3'], instanceGroup: group }), hosts);
    const chosen = result.map((r) => r[0]!.host);
    expect(new Set(chosen).size).toBe(3);
    expect(group.hosts.sort()).toEqual([...chosen].sort());
  });

  it('places an affinity group of one request on one host', () => {
    const hosts = rankedHosts(['a', 'b', 'c']);
    const group: InstanceGroupSpec = { uuid: 'g', policy: 'affinity', hosts: [], members: [] };
    const result = scheduler().selectDestinations(spec({ instanceUuids: ['i1', 'i2', 'i3'], instanceGroup: group }), hosts);
    expect(result.map((r) => r[0]!.host)).toEqual(['a', 'a', 'a']);
    expect(hosts[0]!.numInstances).toBe(3);
  });

  it('follows an affinity group to where it already runs', () => {
    const group: InstanceGroupSpec = { uuid: 'g', policy: 'affinity', hosts: ['c'], members: ['old'] };
    const [sels] = scheduler().selectDestinations(spec({ instanceGroup: group }), rankedHosts(['a', 'b', 'c']));
    expect(hostsOf(sels!)).toEqual(['c']);
  });

  it('skips ignore_hosts, case-insensitively', () => {
    const [sels] = scheduler().selectDestinations(spec({ ignoreHosts: ['A'] }), rankedHosts(['a', 'b', 'c']));
    expect(hostsOf(sels!)).not.toContain('a');
  });

  it('force_hosts and force_nodes choose the host and skip the filters, as Nova does', () => {
    const hosts = [host('a'), host('b', { serviceDisabled: true }), host('c', { nodename: 'c-node' })];
    expect(hostsOf(scheduler().selectDestinations(spec({ forceHosts: ['b'] }), hosts)[0]!)).toEqual(['b']);
    expect(hostsOf(scheduler().selectDestinations(spec({ forceNodes: ['c-node'] }), hosts)[0]!)).toEqual(['c']);
  });

  it('force_hosts with _nova_check_type still runs the filters', () => {
    const hosts = [host('a'), host('b', { serviceDisabled: true })];
    const s = spec({ forceHosts: ['b'], schedulerHints: { _nova_check_type: 'rebuild' } });
    expect(() => scheduler().selectDestinations(s, hosts)).toThrow(NoValidHost);
  });

  it('runs only the filters enabled, in their configured order', () => {
    const hosts = rankedHosts(['a', 'b']);
    const s = spec({ retry: { numAttempts: 2, hosts: ['a'] } });
    expect(scheduler().selectDestinations(s, hosts)[0]![0]!.host).toBe('a');
    const withRetry = scheduler({ filter_scheduler: { enabled_filters: ['RetryFilter', 'RamFilter', 'ComputeFilter'] } });
    expect(withRetry.selectDestinations(s, rankedHosts(['a', 'b']))[0]![0]!.host).toBe('b');
    expect(withRetry.explain(s, hosts).steps.map((x) => x.filter)).toEqual(['RetryFilter', 'RamFilter', 'ComputeFilter']);
  });

  it('takes a HostManager as the host source', () => {
    const hm = new HostManager(novaConfig());
    hm.upsertComputeNode({ host: 'x', nodename: 'x', uuid: 'u-x', vcpus: 8, memoryMb: 16384, localGb: 100 });
    hm.upsertComputeNode({ host: 'y', nodename: 'y', uuid: 'u-y', vcpus: 8, memoryMb: 32768, localGb: 100 });
    const [sels] = scheduler().selectDestinations(spec(), hm);
    expect(sels![0]!.uuid).toBe('u-y');
    expect(hm.get('u-y')!.memoryMbUsed).toBe(2048);
  });

  it('keeps build failures from a host until they are reset', () => {
    const hm = new HostManager(novaConfig());
    hm.upsertComputeNode({ host: 'x', nodename: 'x', uuid: 'u-x', vcpus: 8, memoryMb: 32768, localGb: 100 });
    hm.upsertComputeNode({ host: 'y', nodename: 'y', uuid: 'u-y', vcpus: 8, memoryMb: 16384, localGb: 100 });
    hm.recordBuildFailure('x');
    expect(scheduler().selectDestinations(spec(), hm)[0]![0]!.host).toBe('y');
    hm.resetBuildFailures('x');
    expect(scheduler().selectDestinations(spec({ instanceUuids: ['inst-2'] }), hm)[0]![0]!.host).toBe('x');
  });
});

describe('explaining NoValidHost', () => {
  it('names the filter that removed each host, and stops at the one that left none', () => {
    const hosts = [host('down', { serviceUp: false }), host('tiny', { memoryMb: 1024 }), host('busy', { vcpus: 1, vcpusUsed: 16 })];
    const e = scheduler().explain(spec(), hosts);
    const removedBy = Object.fromEntries(e.steps.map((s) => [s.filter, s.removed]));
    expect(removedBy['ComputeFilter']).toEqual(['down']);
    expect(removedBy['RamFilter']).toEqual(['tiny']);
    expect(removedBy['CoreFilter']).toEqual(['busy']);
    expect(e.steps.at(-1)!.filter).toBe('CoreFilter');
    expect(e.remaining).toEqual([]);
    expect(formatFilterExplanation(e)).toContain("'RamFilter: (start: 2, end: 1) removed [tiny]'");
  });
});
