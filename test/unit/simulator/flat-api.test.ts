/** The flat target's API level: the tree's cell scheduler and parent view over leaf cells' capacity reports. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../runtime/clock/index.ts';
import { novaConfig } from '../../../runtime/config/index.ts';
import { NoValidHost } from '../../../runtime/errors/index.ts';
import { createLogger } from '../../../runtime/log/index.ts';
import { consumeFromRequest, newHostState } from '../../../actors/scheduler/host-state.ts';
import type { HostState } from '../../../actors/scheduler/types.ts';
import { FlatApiLevel, type ApiLeaf } from '../../../simulator/targets/flat-api.ts';
import type { SimBuildRequest } from '../../../simulator/target.ts';

const small = { id: '2', name: 'small', vcpus: 1, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };

/** Room for 4 small instances (RAM), or `memoryMb / 2048`. */
function host(name: string, zone = 'nova', memoryMb = 8192): HostState {
  return newHostState({
    host: name, nodename: name, uuid: `uuid-${name}`, vcpus: 16, memoryMb, localGb: 500,
    cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 0, reservedHostDiskMb: 0,
    serviceUp: true, availabilityZone: zone,
  } as never);
}

function leaf(path: string, hosts: HostState[]): ApiLeaf & { hs: HostState[] } {
  return { path, weightOffset: 0, hostNames: hosts.map((h) => h.host), config: novaConfig(), hs: hosts, hosts: () => hosts };
}

function req(index: number, p: Partial<SimBuildRequest> = {}): SimBuildRequest {
  return {
    index, name: `sim-${index}`, flavor: small, image: { id: 'img', properties: {} }, count: 1, availabilityZone: null,
    schedulerHints: {}, group: null, projectId: 'p', userId: 'u', reqId: `req-${index}`, ...p,
  };
}

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

/** The first reports arrive at once (before the run), later ones after `delayMs`. */
async function level(leaves: ApiLeaf[], delayMs = 0) {
  const clock = new VirtualClock();
  const link = { ms: 0 };
  const api = new FlatApiLevel(leaves, { config: novaConfig(), flavors: [small], clock, log: createLogger({}, 'silent'), linkDelay: () => link.ms });
  await api.start();
  link.ms = delayMs;
  return { api, clock };
}

describe('flat-cells API level', () => {
  it('sends each build to the leaf with the most room, counting builds in flight until the reports show them', async () => {
    const a = leaf('api!r1!s1!c1', [host('a1')]);
    const b = leaf('api!r1!s2!c1', [host('b1'), host('b2')]);
    const { api } = await level([a, b]);
    const picks = [0, 1, 2, 3, 4].map((i) => api.dispatch(req(i)).path);
    // b has 8 units, a 4: b takes builds until both have as much room left (ties to the first leaf).
    expect(picks).toEqual(['api!r1!s2!c1', 'api!r1!s2!c1', 'api!r1!s2!c1', 'api!r1!s2!c1', 'api!r1!s1!c1']);
    api.stop();
  });

  it('stops counting a build once it is placed and reported, even if placed before its instances were known', async () => {
    const a = leaf('api!a', [host('a1', 'nova', 16384)]);
    const { api } = await level([a]);
    const t = api.dispatch(req(0, { count: 4 }));
    expect(() => api.dispatch(req(1, { count: 5 }))).toThrow(/^No valid host was found\. No leaf cell can take the request .*CapacityFilter/);
    // The leaf placed all four, and reported it, before create() returned their uuids: 4 left, 4 in flight.
    const uuids = ['u0', 'u1', 'u2', 'u3'];
    for (const u of uuids) consumeFromRequest(a.hs[0]!, small, u);
    api.instanceChanged('api!a', 'u0', true);
    await settle();
    expect(() => api.dispatch(req(2))).toThrow(NoValidHost);
    // Bound as placed: a report confirms it, and the four stop counting twice.
    api.bind(t, uuids, () => true);
    await settle();
    expect(api.dispatch(req(3, { count: 4 })).path).toBe('api!a');
    api.stop();
  });

  it('releases a build its leaf did not take', async () => {
    const a = leaf('api!a', [host('a1')]);
    const { api } = await level([a]);
    const t = api.dispatch(req(0, { count: 4 }));
    expect(() => api.dispatch(req(1))).toThrow(NoValidHost);
    api.cancel(t);
    expect(api.dispatch(req(2, { count: 4 })).path).toBe('api!a');
    api.stop();
  });

  it('honours target_cell (a leaf or any cell above it) and availability zones', async () => {
    const a = leaf('api!eu!fra!c1', [host('a1', 'fra')]);
    const b = leaf('api!us!nyc!c1', [host('b1', 'nyc'), host('b2', 'nyc')]);
    const { api } = await level([a, b]);
    expect(api.dispatch(req(0, { schedulerHints: { target_cell: 'api!eu' } })).path).toBe('api!eu!fra!c1');
    expect(api.dispatch(req(1, { schedulerHints: { target_cell: 'api!eu!fra!c1' } })).path).toBe('api!eu!fra!c1');
    expect(api.dispatch(req(2, { availabilityZone: 'fra' })).path).toBe('api!eu!fra!c1');
    expect(api.dispatch(req(3)).path).toBe('api!us!nyc!c1');
    expect(() => api.dispatch(req(4, { availabilityZone: 'lon' }))).toThrow(/AvailabilityZoneFilter/);
    api.stop();
  });

  it('leaves out a leaf whose link is cut, and takes it back with a full report when the link heals', async () => {
    const a = leaf('api!a', [host('a1')]);
    const b = leaf('api!b', [host('b1'), host('b2')]);
    const { api } = await level([a, b], 5);
    api.setReachable('api!b', false);
    expect(api.dispatch(req(0)).path).toBe('api!a');
    api.setReachable('api!b', true);
    expect(api.dispatch(req(1)).path).toBe('api!b');
    api.stop();
  });

  it('reports take the link delay', async () => {
    const a = leaf('api!a', [host('a1')]);
    const b = leaf('api!b', [host('b1')]);
    const { api, clock } = await level([a, b], 100);
    // b fills up behind the API's back (say, another API level): the API still sees it empty...
    for (let i = 0; i < 4; i++) consumeFromRequest(b.hs[0]!, small, `x${i}`);
    api.instanceChanged('api!b', 'x0', true);
    await settle();
    expect(api.dispatch(req(0)).path).toBe('api!a');
    expect(api.dispatch(req(1)).path).toBe('api!b');
    // ...until b's delta arrives, 100 ms later.
    await clock.advance(100);
    expect(api.dispatch(req(2)).path).toBe('api!a');
    api.stop();
  });
});
