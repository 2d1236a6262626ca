/**
 * A parent's view of its children: the capacity each last reported (deltas applied in sequence, a full
 * report asked for on a gap), when each was last heard from, and whether it is muted — its link is
 * gone (last will) or it has been silent for mute_child_interval. Muted children are not scheduled to.
 */
import type { Clock } from '../../runtime/clock/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { addName, applyDelta, emptyCapacity, flavorDiskGb, isEmptyDelta, newUnits, sumCapacities, type Capacity } from '../capacity/capacity.ts';
import type { CapacityReportBody } from '../messages.ts';
import type { ChildCell } from '../scheduler/types.ts';
import type { FlavorSpec } from '../../actors/scheduler/types.ts';

interface ChildState extends ChildCell {
  seq: number;
  lastHeard: number;
  linkDown: boolean;
  /** Muted by an operator (the dashboard): stays muted, whatever it says, until unmuted. */
  adminMuted?: boolean;
  /** Resources of builds sent to this child that its reports may not show yet. */
  inFlight: { vcpus: number; memoryMb: number; diskGb: number };
  /** Its units less those in flight, as `total` last counted them, and what they were counted from. */
  unitsLeft?: UnitsLeft;
  /** What `candidates` last showed of it while builds were on their way, and what that was made from. */
  view?: { left: UnitsLeft; capacity: Capacity; muted: boolean; cell: ChildCell };
}

interface UnitsLeft {
  units: Readonly<Record<string, number>>;
  inFlight: { vcpus: number; memoryMb: number; diskGb: number };
  flavors: ReadonlyMap<string, FlavorSpec>;
  keys: string[];
  values: number[];
}

interface Adjustment {
  child: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  landed: boolean;
}

export class Children {
  private readonly byPath = new Map<string, ChildState>();
  /**
   * Builds dispatched but not yet visible in the child's reports, by instance uuid. Without this a
   * burst would all go to the child that looked emptiest before the first report came back.
   */
  private readonly adjustments = new Map<string, Adjustment>();
  /** The cloud's flavors by id (a Map: flavor ids are chosen by admins). */
  private flavorById = new Map<string, FlavorSpec>();
  /**
   * The last `total()`, until something it counts changes: a report that changes a child, a build sent
   * or released, a child muted or unmuted, the flavors. A middle cell asks for its total at every
   * message from below, and many (an ACTIVE state, a confirmation) change nothing.
   */
  private lastTotal: Capacity | undefined;

  constructor(
    children: ReadonlyArray<{ path: string; isLeaf: boolean; weightOffset: number; hosts?: readonly string[] }>,
    private readonly clock: Clock,
    private readonly muteIntervalMs: number,
    private readonly log: Logger,
  ) {
    for (const c of children) {
      this.byPath.set(c.path, {
        path: c.path, isLeaf: c.isLeaf, weightOffset: c.weightOffset, capacity: emptyCapacity(), muted: true, seq: -1,
        ...(c.hosts ? { hosts: new Set(c.hosts.map((h) => h.toLowerCase())) } : {}),
        lastHeard: Number.NEGATIVE_INFINITY, linkDown: true, inFlight: { vcpus: 0, memoryMb: 0, diskGb: 0 },
      });
    }
  }

  setFlavors(flavors: readonly FlavorSpec[]): void {
    this.lastTotal = undefined;
    this.flavorById = new Map();
    for (const f of flavors) if (!this.flavorById.has(f.id)) this.flavorById.set(f.id, f);
  }

  /** Count a build against the child until its own reports include it. */
  consume(child: string, uuids: readonly string[], f: FlavorSpec): void {
    const c = this.byPath.get(child);
    if (!c) return;
    for (const uuid of uuids) {
      if (this.adjustments.has(uuid)) continue;
      const a: Adjustment = { child, vcpus: f.vcpus, memoryMb: f.memoryMb, diskGb: flavorDiskGb(f), landed: false };
      this.adjustments.set(uuid, a);
      this.lastTotal = undefined;
      c.inFlight.vcpus += a.vcpus;
      c.inFlight.memoryMb += a.memoryMb;
      c.inFlight.diskGb += a.diskGb;
    }
  }

  /** The child reported the instance placed (or failed): its next capacity report includes it. */
  landed(uuid: string): void {
    const a = this.adjustments.get(uuid);
    if (a) a.landed = true;
  }

  /** The build left the child (handed back): stop counting it there. */
  release(uuid: string): void {
    const a = this.adjustments.get(uuid);
    if (!a) return;
    this.adjustments.delete(uuid);
    const c = this.byPath.get(a.child);
    if (!c) return;
    this.lastTotal = undefined;
    c.inFlight.vcpus -= a.vcpus;
    c.inFlight.memoryMb -= a.memoryMb;
    c.inFlight.diskGb -= a.diskGb;
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  paths(): string[] {
    return [...this.byPath.keys()];
  }

  /** Apply a capacity report. Returns false when a delta does not follow on (the caller asks for a full one). */
  report(r: CapacityReportBody): boolean {
    const c = this.byPath.get(r.from);
    if (!c) return true;
    this.heard(c);
    if (r.full) {
      this.lastTotal = undefined;
      c.capacity = { ...emptyCapacity(), ...r.capacity };
      c.seq = r.seq;
      this.dropLanded(c.path);
      return true;
    }
    if (r.seq !== c.seq + 1) return r.seq <= c.seq; // old or duplicate: ignore; a gap: ask for a full report
    if (!isEmptyDelta(r.capacity)) {
      this.lastTotal = undefined;
      c.capacity = applyDelta(c.capacity, r.capacity);
    }
    c.seq = r.seq;
    this.dropLanded(c.path);
    return true;
  }

  private dropLanded(child: string): void {
    for (const [uuid, a] of this.adjustments) if (a.child === child && a.landed) this.release(uuid);
  }

  /**
   * What the child reported, less what was sent to it since: its units as `total` counts them. Kept
   * until its report, its builds in flight, the flavors or its muting change — a parent ranks all its
   * children at every build it sends down, and mostly only the child it chose has changed since.
   */
  private adjusted(c: ChildState): ChildCell {
    const f = c.inFlight;
    if (!anyInFlight(f)) return c;
    const cap = c.capacity;
    const left = this.unitsLeftOf(c);
    const was = c.view;
    if (was && was.left === left && was.capacity === cap && was.muted === c.muted) return was.cell;
    const units = newUnits();
    for (let i = 0; i < left.keys.length; i++) units[left.keys[i]!] = left.values[i]!;
    const cell: ChildCell = {
      path: c.path, isLeaf: c.isLeaf, muted: c.muted, weightOffset: c.weightOffset, ...(c.hosts ? { hosts: c.hosts } : {}),
      capacity: {
        ...cap, units, vcpusFree: Math.max(0, cap.vcpusFree - f.vcpus), memoryMbFree: Math.max(0, cap.memoryMbFree - f.memoryMb),
        diskGbFree: Math.max(0, cap.diskGbFree - f.diskGb),
      },
    };
    c.view = { left, capacity: cap, muted: c.muted, cell };
    return cell;
  }

  /** Any message from the child proves its link is up. */
  heardFrom(path: string): void {
    const c = this.byPath.get(path);
    if (c) this.heard(c);
  }

  linkLost(path: string): void {
    const c = this.byPath.get(path);
    if (!c || c.linkDown) return;
    c.linkDown = true;
    this.setMuted(c, true);
    this.log.warn({ child: path }, 'child cell link lost; muted');
  }

  /**
   * A call sent at `sentAt` went unanswered (rpc_response_timeout): mute the child at once rather than
   * wait for mute_child_interval, so the next builds go elsewhere; its next message unmutes it. A child
   * heard from since the call left is alive (the call was lost with a process that has restarted since).
   */
  callTimedOut(path: string, sentAt: number): void {
    const c = this.byPath.get(path);
    if (!c || c.muted || c.lastHeard > sentAt) return;
    this.setMuted(c, true);
    this.log.warn({ child: path }, 'child cell did not answer a call; muted until heard from');
  }

  /** Mute children silent for longer than mute_child_interval. */
  checkSilence(): void {
    const now = this.clock.now();
    for (const c of this.byPath.values()) {
      if (!c.muted && now - c.lastHeard > this.muteIntervalMs) {
        this.setMuted(c, true);
        this.log.warn({ child: c.path }, 'child cell silent; muted');
      }
    }
  }

  candidates(): ChildCell[] {
    return [...this.byPath.values()].map((c) => this.adjusted(c));
  }

  /**
   * The subtree's capacity: what the unmuted children report, less builds on their way — the sum of
   * their `adjusted` capacities, summed here without copying each child's (a middle cell sums its
   * children at every change below it).
   */
  total(): Capacity {
    if (this.lastTotal) return this.lastTotal;
    const t = emptyCapacity();
    const sum = new Map<string, number>();
    const names: [string[], string[], string[]] = [[], [], []];
    for (const c of this.byPath.values()) {
      if (c.muted) continue;
      const cap = c.capacity;
      const f = c.inFlight;
      const inFlight = anyInFlight(f);
      t.vcpus += cap.vcpus; t.vcpusFree += inFlight ? Math.max(0, cap.vcpusFree - f.vcpus) : cap.vcpusFree;
      t.memoryMb += cap.memoryMb; t.memoryMbFree += inFlight ? Math.max(0, cap.memoryMbFree - f.memoryMb) : cap.memoryMbFree;
      t.diskGb += cap.diskGb; t.diskGbFree += inFlight ? Math.max(0, cap.diskGbFree - f.diskGb) : cap.diskGbFree;
      t.hostsUp += cap.hostsUp; t.hosts += cap.hosts;
      const { keys, values } = this.unitsLeftOf(c);
      for (let i = 0; i < keys.length; i++) sum.set(keys[i]!, (sum.get(keys[i]!) ?? 0) + values[i]!);
      for (const t of cap.hypervisorTypes) addName(names[0], t);
      for (const t of cap.cpuArchs) addName(names[1], t);
      for (const t of cap.availabilityZones) addName(names[2], t);
    }
    for (const [k, v] of sum) t.units[k] = v;
    t.hypervisorTypes = names[0].sort();
    t.cpuArchs = names[1].sort();
    t.availabilityZones = names[2].sort();
    this.lastTotal = t;
    return t;
  }

  /** What the children last reported, without in-flight adjustments. */
  reported(): Capacity {
    return sumCapacities([...this.byPath.values()].filter((c) => !c.muted).map((c) => c.capacity));
  }

  /** How the link to a child looks from here, for `novacell status`. */
  linkState(path: string): { link: 'up' | 'muted' | 'down'; lastHeardMsAgo: number | null; reported: Capacity; inFlight: number } | undefined {
    const c = this.byPath.get(path);
    if (!c) return undefined;
    const heard = Number.isFinite(c.lastHeard) ? this.clock.now() - c.lastHeard : null;
    let inFlight = 0;
    for (const a of this.adjustments.values()) if (a.child === path) inFlight++;
    return { link: c.linkDown ? 'down' : c.muted ? 'muted' : 'up', lastHeardMsAgo: heard, reported: c.capacity, inFlight };
  }

  /** An operator mutes (or unmutes) a child: left out of scheduling until unmuted. */
  setAdminMuted(path: string, muted: boolean): boolean {
    const c = this.byPath.get(path);
    if (!c) return false;
    c.adminMuted = muted;
    if (muted) this.setMuted(c, true);
    else if (!c.linkDown && this.clock.now() - c.lastHeard <= this.muteIntervalMs) this.setMuted(c, false);
    this.log.warn({ child: path, muted }, muted ? 'child cell muted by an operator' : 'child cell unmuted by an operator');
    return true;
  }

  isAdminMuted(path: string): boolean {
    return this.byPath.get(path)?.adminMuted === true;
  }

  isMuted(path: string): boolean {
    return this.byPath.get(path)?.muted ?? true;
  }

  private heard(c: ChildState): void {
    c.lastHeard = this.clock.now();
    if (c.muted || c.linkDown) this.log.info({ child: c.path }, 'child cell heard from; unmuted');
    c.linkDown = false;
    this.setMuted(c, c.adminMuted === true);
  }

  private setMuted(c: ChildState, muted: boolean): void {
    if (c.muted === muted) return;
    c.muted = muted;
    this.lastTotal = undefined;
  }

  /** The child's units less its builds in flight, counted again only when one of them changed. */
  private unitsLeftOf(c: ChildState): UnitsLeft {
    const u = c.capacity.units;
    const f = c.inFlight;
    const was = c.unitsLeft;
    if (was && was.units === u && was.flavors === this.flavorById && was.inFlight.vcpus === f.vcpus && was.inFlight.memoryMb === f.memoryMb && was.inFlight.diskGb === f.diskGb) {
      return was;
    }
    const inFlight = anyInFlight(f);
    const keys = Object.keys(u);
    const values = keys.map((k) => {
      const v = u[k]!;
      const fl = inFlight ? this.flavorById.get(k) : undefined;
      return fl ? unitsLeft(v, fl, f) : v;
    });
    c.unitsLeft = { units: u, inFlight: { ...f }, flavors: this.flavorById, keys, values };
    return c.unitsLeft;
  }
}

/** Some build is on its way to the child (resources counted against it until its reports show them). */
function anyInFlight(f: { vcpus: number; memoryMb: number; diskGb: number }): boolean {
  return f.vcpus !== 0 || f.memoryMb !== 0 || f.diskGb !== 0;
}

/** Units of a flavor a child still has once the builds on their way there are taken off. */
function unitsLeft(known: number, fl: FlavorSpec, f: { vcpus: number; memoryMb: number; diskGb: number }): number {
  const d = flavorDiskGb(fl);
  const taken = Math.ceil(Math.max(f.vcpus / fl.vcpus, f.memoryMb / fl.memoryMb, d > 0 ? f.diskGb / d : 0));
  return Math.max(0, known - taken);
}
