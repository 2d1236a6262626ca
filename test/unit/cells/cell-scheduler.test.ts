/** The cell scheduler's filters and weighers, each with a passing and a failing case, and the ranking. */
import { describe, expect, it } from 'vitest';
import { novaConfig } from '../../../runtime/config/index.ts';
import { CellScheduler } from '../../../cells/scheduler/cell-scheduler.ts';
import { TargetCellFilter } from '../../../cells/scheduler/filters/target-cell-filter.ts';
import { RequestedHostCellFilter } from '../../../cells/scheduler/filters/requested-host-filter.ts';
import { DifferentCellFilter } from '../../../cells/scheduler/filters/different-cell-filter.ts';
import { CellImagePropertiesFilter } from '../../../cells/scheduler/filters/image-properties-filter.ts';
import { CapacityFilter } from '../../../cells/scheduler/filters/capacity-filter.ts';
import { CellAvailabilityZoneFilter } from '../../../cells/scheduler/filters/availability-zone-filter.ts';
import { EligibleCellFilter } from '../../../cells/scheduler/filters/eligible-filter.ts';
import { ramByInstanceTypeWeigher } from '../../../cells/scheduler/weighers/ram-by-instance-type.ts';
import { weightOffsetWeigher } from '../../../cells/scheduler/weighers/weight-offset.ts';
import { muteChildWeigher } from '../../../cells/scheduler/weighers/mute-child.ts';
import { emptyCapacity } from '../../../cells/capacity/capacity.ts';
import type { CellRequest, ChildCell } from '../../../cells/scheduler/types.ts';
import type { BuildSpec } from '../../../actors/conductor/messages.ts';

const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
function spec(p: Partial<BuildSpec> = {}): BuildSpec {
  return {
    projectId: 'p', userId: 'u', flavor, image: { id: 'i', properties: {} }, availabilityZone: null, schedulerHints: {},
    instanceGroup: null, ignoreHosts: [], forceHosts: [], forceNodes: [], ...p,
  };
}
function req(p: Partial<BuildSpec> = {}, n = 1, tried: string[] = []): CellRequest {
  return { spec: spec(p), numInstances: n, tried };
}
function child(path: string, units = 10, p: Partial<ChildCell> = {}): ChildCell {
  return {
    path, isLeaf: true, muted: false, weightOffset: 0,
    capacity: { ...emptyCapacity(), units: { '1': units }, hypervisorTypes: ['fake'], cpuArchs: ['x86_64'], availabilityZones: ['nova'] },
    ...p,
  };
}

describe('cell filters', () => {
  it('RequestedHostCellFilter keeps only the child whose subtree holds the requested host (2.74 host, zone:host)', () => {
    const eu = child('api!eu', 10, { isLeaf: false, hosts: new Set(['fra-01', 'fra-02']) });
    const us = child('api!us', 10, { hosts: new Set(['nyc-01']) });
    const unknown = child('api!new');
    expect(RequestedHostCellFilter.passes(eu, req({ forceHosts: ['FRA-02'] }))).toBe(true);
    expect(RequestedHostCellFilter.passes(us, req({ forceHosts: ['fra-02'] }))).toBe(false);
    expect(RequestedHostCellFilter.passes(us, req({ forceNodes: ['nyc-01'] }))).toBe(true);
    expect(RequestedHostCellFilter.passes(unknown, req({ forceHosts: ['fra-02'] }))).toBe(true);
    expect(RequestedHostCellFilter.passes(us, req())).toBe(true);
    expect(new CellScheduler(novaConfig()).rank([us, eu], req({ forceHosts: ['fra-01'] })).map((c) => c.path)).toEqual(['api!eu']);
  });

  it('TargetCellFilter keeps only the subtree of target_cell', () => {
    const r = req({ schedulerHints: { target_cell: 'api!eu!fra1' } });
    expect(TargetCellFilter.passes(child('api!eu', 1, { isLeaf: false }), r)).toBe(true);
    expect(TargetCellFilter.passes(child('api!us'), r)).toBe(false);
    expect(TargetCellFilter.passes(child('api!us'), req())).toBe(true);
  });
  it('TargetCellFilter passes the children of an intermediate target (one level over leaves, as flat-cells)', () => {
    const r = req({ schedulerHints: { target_cell: 'api!eu' } });
    expect(TargetCellFilter.passes(child('api!eu!fra1'), r)).toBe(true);
    expect(TargetCellFilter.passes(child('api!eu!fra1!c2'), r)).toBe(true);
    expect(TargetCellFilter.passes(child('api!eua!c1'), r)).toBe(false);
    expect(TargetCellFilter.passes(child('api!us!nyc1'), r)).toBe(false);
  });
  it('DifferentCellFilter keeps builds out of the named cell', () => {
    const r = req({ schedulerHints: { different_cell: 'api!eu' } });
    expect(DifferentCellFilter.passes(child('api!eu'), r)).toBe(false);
    expect(DifferentCellFilter.passes(child('api!us'), r)).toBe(true);
  });
  it('ImagePropertiesFilter needs the hypervisor type and architecture below', () => {
    expect(CellImagePropertiesFilter.passes(child('a'), req({ image: { id: 'i', properties: { hw_architecture: 'x86_64', img_hv_type: 'fake' } } }))).toBe(true);
    expect(CellImagePropertiesFilter.passes(child('a'), req({ image: { id: 'i', properties: { hw_architecture: 'aarch64' } } }))).toBe(false);
    expect(CellImagePropertiesFilter.passes(child('a'), req({ image: { id: 'i', properties: { img_hv_type: 'qemu' } } }))).toBe(false);
  });
  it('CapacityFilter needs units of the flavor for every instance', () => {
    expect(CapacityFilter.passes(child('a', 3), req({}, 3))).toBe(true);
    expect(CapacityFilter.passes(child('a', 2), req({}, 3))).toBe(false);
  });
  it('AvailabilityZoneFilter needs the zone below', () => {
    expect(CellAvailabilityZoneFilter.passes(child('a'), req({ availabilityZone: 'nova' }))).toBe(true);
    expect(CellAvailabilityZoneFilter.passes(child('a'), req({ availabilityZone: 'az9' }))).toBe(false);
  });
  it('EligibleCellFilter leaves out muted children and cells that handed the build back', () => {
    expect(EligibleCellFilter.passes(child('a'), req())).toBe(true);
    expect(EligibleCellFilter.passes(child('a', 10, { muted: true }), req())).toBe(false);
    expect(EligibleCellFilter.passes(child('a'), req({}, 1, ['a']))).toBe(false);
  });
});

describe('cell weighers and ranking', () => {
  const config = novaConfig();
  it('RamByInstanceTypeWeigher prefers room for more of the flavor', () => {
    const w = ramByInstanceTypeWeigher(config);
    expect(w.multiplier()).toBe(10.0);
    expect(w.weigh(child('a', 20), req())).toBeGreaterThan(w.weigh(child('b', 5), req()));
  });
  it('WeightOffsetWeigher applies the operator offset', () => {
    const w = weightOffsetWeigher(config);
    expect(w.multiplier()).toBe(1.0);
    expect(w.weigh(child('a', 1, { weightOffset: 5 }), req())).toBe(5);
  });
  it('MuteChildWeigher weighs muted children down by -10000', () => {
    const w = muteChildWeigher(config);
    expect(w.multiplier()).toBe(-10000.0);
    expect(w.weigh(child('a', 1, { muted: true }), req())).toBe(1);
    expect(w.weigh(child('a'), req())).toBe(0);
  });
  it('ranks by normalised weight, drops filtered children, and explains why', () => {
    const s = new CellScheduler(config);
    const kids = [child('api!a', 5), child('api!b', 50), child('api!c', 0), child('api!d', 100, { muted: true })];
    expect(s.rank(kids, req()).map((c) => c.path)).toEqual(['api!b', 'api!a']);
    expect(s.explain(kids, req())).toEqual({ 'api!c': 'CapacityFilter', 'api!d': 'EligibleCellFilter' });
    // After normalisation the offset (×1.0) decides between cells with equal room, not against RAM (×10.0).
    expect(s.rank([child('api!a', 50), child('api!b', 50, { weightOffset: 100 })], req())[0]!.path).toBe('api!b');
    expect(s.rank([child('api!a', 5, { weightOffset: 100 }), child('api!b', 50)], req())[0]!.path).toBe('api!b');
  });
  it('best() is the first of rank(), ties to the earlier child', () => {
    const s = new CellScheduler(config);
    const kids = [child('api!a', 5), child('api!b', 50), child('api!c', 50), child('api!d', 100, { muted: true })];
    expect(s.best(kids, req())?.path).toBe('api!b');
    expect(s.best(kids, req())).toBe(s.rank(kids, req())[0]);
    expect(s.best([child('api!c', 0)], req())).toBeUndefined();
  });
});
