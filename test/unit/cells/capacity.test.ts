/** Capacity of a leaf from its hosts, sums up the tree, deltas, and the parent's view of its children. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../runtime/clock/index.ts';
import { createLogger } from '../../../runtime/log/index.ts';
import { applyDelta, diffCapacity, flavorDiskGb, leafCapacity, sumCapacities, unitsOf, type Capacity } from '../../../cells/capacity/capacity.ts';
import { Children } from '../../../cells/tree/children.ts';
import { newHostState } from '../../../actors/scheduler/host-state.ts';

const tiny = { id: '1', name: 'tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const large = { id: '4', name: 'large', vcpus: 4, memoryMb: 8192, rootGb: 80, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };

function host(name: string, p: Record<string, unknown> = {}) {
  return newHostState({
    host: name, nodename: name, uuid: `uuid-${name}`, vcpus: 8, memoryMb: 16896, localGb: 200,
    cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 512, reservedHostDiskMb: 0,
    serviceUp: true, ...p,
  } as never);
}

describe('capacity', () => {
  it('counts a flavor whose id is "__proto__" like any other, up the tree and through deltas', () => {
    const proto = { ...tiny, id: '__proto__', name: 'proto' };
    const a = leafCapacity([host('a')], [proto, large]);
    expect(unitsOf(a, proto)).toBe(8);
    const wire = JSON.parse(JSON.stringify(a)) as typeof a; // as a parent receives it
    expect(unitsOf(wire, proto)).toBe(8);
    const s = sumCapacities([a, wire]);
    expect(unitsOf(s, proto)).toBe(16);
    expect(Object.getPrototypeOf(s.units)).toBeNull();
    const b = leafCapacity([host('a', { vcpusUsed: 3 })], [proto, large]);
    const d = diffCapacity(a, b);
    expect(Object.hasOwn(d.units!, '__proto__')).toBe(true);
    expect(unitsOf(applyDelta(wire, JSON.parse(JSON.stringify(d))), proto)).toBe(5);
    // A flavor the report does not know is estimated from the free totals, never read off Object.prototype.
    expect(unitsOf(leafCapacity([host('a')], [large]), proto)).toBe(8);
  });

  it('counts free resources and whole-flavor units per host, leaving out down and disabled hosts', () => {
    const hosts = [host('a'), host('b', { vcpusUsed: 6, memoryMbUsed: 4096 }), host('c', { serviceUp: false }), host('d', { serviceDisabled: true })];
    const c = leafCapacity(hosts, [tiny, large]);
    expect(c.hosts).toBe(4);
    expect(c.hostsUp).toBe(2);
    expect(c.memoryMbFree).toBe(16384 + 12288);
    expect(c.vcpusFree).toBe(8 + 2);
    // a: min(8 vcpu, 32 × 512 MB, 200 disk) = 8 tiny, 2 large (disk 200/80); b: 2 vcpu left → 2 tiny, 0 large.
    expect(c.units).toEqual({ '1': 10, '4': 2 });
  });

  it('sums children and round-trips a delta', () => {
    const a = leafCapacity([host('a')], [tiny]);
    const b = leafCapacity([host('b', { vcpusUsed: 2 })], [tiny]);
    const s = sumCapacities([a, b]);
    expect(s.units['1']).toBe(8 + 6);
    const d = diffCapacity(a, b);
    expect(Object.keys(d).sort()).toEqual(['units', 'vcpusFree']);
    expect(applyDelta(a, d)).toEqual(b);
    expect(diffCapacity(a, a)).toEqual({});
  });

  it('applies deltas in sequence, asks for a full report on a gap, and counts builds in flight', () => {
    const clock = new VirtualClock();
    const kids = new Children([{ path: 'api!x', isLeaf: true, weightOffset: 0 }], clock, 300_000, createLogger({}, 'silent'));
    kids.setFlavors([tiny]);
    const full = leafCapacity([host('a')], [tiny]);
    expect(kids.report({ from: 'api!x', seq: 1, full: true, capacity: full })).toBe(true);
    expect(kids.total().units['1']).toBe(8);
    expect(kids.report({ from: 'api!x', seq: 3, full: false, capacity: { vcpusFree: 1 } })).toBe(false); // gap
    expect(kids.report({ from: 'api!x', seq: 2, full: false, capacity: { vcpusFree: 7, units: { '1': 7 } } })).toBe(true);
    expect(kids.total().units['1']).toBe(7);
    kids.consume('api!x', ['i1', 'i2'], tiny);
    expect(kids.total().units['1']).toBe(5);
    kids.landed('i1');
    kids.landed('i2');
    kids.report({ from: 'api!x', seq: 3, full: false, capacity: { vcpusFree: 5, units: { '1': 5 } } });
    expect(kids.total().units['1']).toBe(5); // the report now includes them; the in-flight count is gone
    expect(kids.isMuted('api!x')).toBe(false);
    clock.step();
    kids.linkLost('api!x');
    expect(kids.isMuted('api!x')).toBe(true);
    expect(kids.total().units['1'] ?? 0).toBe(0);
  });

  it('mutes a child silent for longer than mute_child_interval', async () => {
    const clock = new VirtualClock();
    const kids = new Children([{ path: 'api!x', isLeaf: true, weightOffset: 0 }], clock, 300_000, createLogger({}, 'silent'));
    kids.heardFrom('api!x');
    await clock.advance(299_000);
    kids.checkSilence();
    expect(kids.isMuted('api!x')).toBe(false);
    await clock.advance(2_000);
    kids.checkSilence();
    expect(kids.isMuted('api!x')).toBe(true);
  });

  it("a parent's total equals the sum of its unmuted children's adjusted capacities, whatever was reported and sent", () => {
    const flavors = [tiny, large, { ...large, id: '__proto__', name: 'proto', vcpus: 2, memoryMb: 1024, rootGb: 0 }];
    let seed = 11;
    const r = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // The high bits: the low ones of this generator repeat with short periods.
      return Math.floor(seed / 65536) % n;
    };
    const clock = new VirtualClock();
    const paths = ['api!a', 'api!b', 'api!c', 'api!d'];
    const kids = new Children(paths.map((path) => ({ path, isLeaf: true, weightOffset: 0 })), clock, 300_000, createLogger({}, 'silent'));
    kids.setFlavors(flavors);
    const seq = new Map<string, number>();
    const last = new Map<string, Capacity>();
    /** Instances sent to a child and not yet released. */
    const sent: string[] = [];
    // The model of what each child has on its way: a build counts until released, or until a report
    // from its child follows its landing.
    type Flavor = (typeof flavors)[number];
    const inFlight = new Map<string, { child: string; flavor: Flavor; landed: boolean }>();
    let current: Flavor[] = flavors;
    /** A child's candidate capacity by the model: what it reported less its builds on their way. */
    const modelled = (path: string): Capacity | undefined => {
      const cap = last.get(path);
      if (!cap) return undefined;
      const f = { vcpus: 0, memoryMb: 0, diskGb: 0 };
      for (const a of inFlight.values()) {
        if (a.child !== path) continue;
        f.vcpus += a.flavor.vcpus;
        f.memoryMb += a.flavor.memoryMb;
        f.diskGb += flavorDiskGb(a.flavor);
      }
      if (f.vcpus === 0 && f.memoryMb === 0 && f.diskGb === 0) return cap;
      const units = Object.assign(Object.create(null) as Record<string, number>, cap.units);
      for (const fl of current) {
        if (!Object.hasOwn(units, fl.id)) continue;
        const d = flavorDiskGb(fl);
        units[fl.id] = Math.max(0, units[fl.id]! - Math.ceil(Math.max(f.vcpus / fl.vcpus, f.memoryMb / fl.memoryMb, d > 0 ? f.diskGb / d : 0)));
      }
      return { ...cap, units, vcpusFree: Math.max(0, cap.vcpusFree - f.vcpus), memoryMbFree: Math.max(0, cap.memoryMbFree - f.memoryMb), diskGbFree: Math.max(0, cap.diskGbFree - f.diskGb) };
    };
    const reported = (path: string) => {
      for (const [uuid, a] of inFlight) if (a.child === path && a.landed) inFlight.delete(uuid);
    };
    const nextSeq = (path: string) => {
      const n = (seq.get(path) ?? 0) + 1;
      seq.set(path, n);
      return n;
    };
    const hostsOf = (path: string) => Array.from({ length: 1 + r(4) }, (_, i) => host(`${path}-${i}`, {
      vcpusUsed: r(9), memoryMbUsed: 1024 * r(16), hypervisorType: ['QEMU', 'VMware'][r(2)], availabilityZone: `az${r(3)}`,
      serviceUp: r(5) !== 0,
    }));
    for (let step = 0; step < 600; step++) {
      const path = paths[r(paths.length)]!;
      const op = r(10);
      const was = last.get(path);
      if (op <= 1 || (op === 2 && !was)) {
        const cap = leafCapacity(hostsOf(path), flavors.slice(0, 1 + r(3)));
        last.set(path, cap);
        kids.report({ from: path, seq: nextSeq(path), full: true, capacity: cap });
        reported(path);
      } else if (op === 2) {
        // A delta from what the child last sent: only the fields that changed, units by flavor.
        const delta = diffCapacity(was!, leafCapacity(hostsOf(path), flavors.slice(0, 1 + r(3))));
        kids.report({ from: path, seq: nextSeq(path), full: false, capacity: delta });
        last.set(path, applyDelta(was!, delta));
        reported(path);
      } else if (op === 3) {
        kids.report({ from: path, seq: nextSeq(path), full: false, capacity: {} });
        if (was) reported(path);
      } else if (op === 4) {
        const uuids = [`i${step}`, `j${step}`].slice(0, 1 + r(2));
        const flavor = flavors[r(3)]!;
        kids.consume(path, uuids, flavor);
        for (const uuid of uuids) inFlight.set(uuid, { child: path, flavor, landed: false });
        sent.push(...uuids);
      } else if (op === 5 && sent.length > 0) {
        const uuid = sent[r(sent.length)]!;
        kids.landed(uuid);
        const a = inFlight.get(uuid);
        if (a) a.landed = true;
      } else if (op === 6 && sent.length > 0) {
        const uuid = sent.splice(r(sent.length), 1)[0]!;
        kids.release(uuid);
        inFlight.delete(uuid);
      } else if (op === 7) {
        if (r(2) === 0) kids.linkLost(path);
        else kids.heardFrom(path);
      } else if (op === 8) kids.setAdminMuted(path, r(3) === 0);
      else {
        current = flavors.slice(0, 1 + r(3));
        kids.setFlavors(current);
      }
      // Each candidate as the model has it, and the same objects when asked again with nothing changed.
      const candidates = kids.candidates();
      for (const c of candidates) {
        expect(c.muted, `step ${step} ${c.path}`).toBe(kids.isMuted(c.path));
        const m = modelled(c.path);
        if (m) expect(c.capacity, `step ${step} ${c.path}`).toEqual(m);
      }
      expect(kids.candidates(), `step ${step}`).toEqual(candidates);
      kids.candidates().forEach((c, i) => expect(c, `step ${step}`).toBe(candidates[i]));
      const expected = sumCapacities(kids.candidates().filter((c) => !kids.isMuted(c.path)).map((c) => c.capacity));
      const got = kids.total();
      expect(got, `step ${step}`).toEqual(expected);
      expect(Object.keys(got.units), `step ${step}`).toEqual(Object.keys(expected.units));
      // Asked again with nothing changed in between: the same total, not counted again.
      expect(kids.total(), `step ${step}`).toBe(got);
    }
  });
});

