/**
 * The fan-out CellsPort over independent cells: builds go to a cell that can take them (zone,
 * aggregate extra specs, free RAM) with the mapping written first; instance operations follow the
 * mapping; listings merge every cell.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { FanoutCellsPort } from '../../../../actors/api/fanout-port.ts';
import type { AggregateWithHosts, BuildInstancesBody } from '../../../../actors/conductor/messages.ts';
import { FakeCells } from '../../../support/fake-cells.ts';

function body(uuid: string, extra: Partial<BuildInstancesBody['spec']> = {}): BuildInstancesBody {
  return {
    instances: [{ uuid, displayName: 'vm', hostname: 'vm', launchIndex: 0, reservationId: 'r-1', imageRef: 'img', keyName: null, metadata: {}, extra: {}, createdAt: 0 }],
    spec: {
      projectId: 'p', userId: 'u', flavor: { id: '1', name: 'tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
      image: { id: 'img', properties: {} }, availabilityZone: null, schedulerHints: {}, instanceGroup: null, ignoreHosts: [], forceHosts: [], forceNodes: [],
      ...extra,
    },
  };
}

function setup(aggs: AggregateWithHosts[] = []) {
  const clock = new VirtualClock();
  const a = new FakeCells(clock);
  const b = new FakeCells(clock);
  // Cell b's hosts are named differently so the aggregates can tell them apart.
  b.listComputeNodes = async () => (await new FakeCells(clock).listComputeNodes()).map((n) => ({ ...n, host: `b-${n.host}`, nodename: `b-${n.host}`, memoryMbUsed: 20000 }));
  const placed: Array<[string, string]> = [];
  const mapping = new Map<string, string>();
  const port = new FanoutCellsPort([{ name: 'a', port: a }, { name: 'b', port: b }], {
    cellOf: (uuid) => mapping.get(uuid),
    onPlaced: async (uuids, cell) => {
      for (const u of uuids) { mapping.set(u, cell); placed.push([u, cell]); }
    },
    aggregatesOf: (host) => aggs.filter((x) => x.hosts.includes(host)),
    defaultZone: 'nova',
  });
  return { port, a, b, placed, mapping };
}

describe('FanoutCellsPort', () => {
  it('places a build where most RAM is free and records the mapping before sending it', async () => {
    const { port, a, placed } = setup();
    await port.build(body('u1'), 'req-1');
    expect(placed).toEqual([['u1', 'a']]);
    expect(a.instances.has('u1')).toBe(true);
  });

  it('honours zones and aggregate extra specs', async () => {
    const aggs: AggregateWithHosts[] = [
      { id: 1, name: 'z', availabilityZone: 'az-b', metadata: {}, hosts: ['b-host-a'] },
      { id: 2, name: 'ssd', availabilityZone: null, metadata: { ssd: 'true' }, hosts: ['b-host-b'] },
    ];
    const { port, b, placed } = setup(aggs);
    await port.build(body('u2', { availabilityZone: 'az-b' }), 'req-2');
    const ssdFlavor = { id: '9', name: 'ssd', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: { 'aggregate_instance_extra_specs:ssd': 'true' } };
    await port.build(body('u3', { flavor: ssdFlavor }), 'req-3');
    expect(placed).toEqual([['u2', 'b'], ['u3', 'b']]);
    expect([...b.instances.keys()].sort()).toEqual(['u2', 'u3']);
  });

  it('routes instance operations by mapping, finds unmapped ones, and merges listings', async () => {
    const { port, a, b, mapping } = setup();
    await port.build(body('u1'), 'req-1');
    await b.build(body('u9'), 'req-9');
    expect((await port.get('u9', 'req')).uuid).toBe('u9');
    const ctx = { projectId: 'p', userId: 'u', reqId: 'req-x' };
    await port.powerAction('u1', 'stop', ctx);
    expect(a.instances.get('u1')!.vmState).toBe('stopped');
    expect((await port.list('p', 'req')).map((i) => i.uuid).sort()).toEqual(['u1', 'u9']);
    expect((await port.listServices('req')).map((s) => s.cell)).toContain('b');
    await expect(port.get('missing', 'req')).rejects.toThrow(/could not be found/);
    expect(mapping.get('u9')).toBeUndefined();
  });
});
