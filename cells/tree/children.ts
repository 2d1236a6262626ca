/**
 * A parent's view of its children: the capacity each last reported (deltas applied in sequence, a full
 * report asked for on a gap), when each was last heard from, and whether it is muted — its link is
 * gone (last will) or it has been silent for mute_child_interval. Muted children are not scheduled to.
 */
import type { Clock } from '../../runtime/clock/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { applyDelta, emptyCapacity, sumCapacities, type Capacity } from '../capacity/capacity.ts';
import type { CapacityReportBody } from '../messages.ts';
import type { ChildCell } from '../scheduler/types.ts';

interface ChildState extends ChildCell {
  seq: number;
  lastHeard: number;
  linkDown: boolean;
}

export class Children {
  private readonly byPath = new Map<string, ChildState>();

  constructor(
    children: ReadonlyArray<{ path: string; isLeaf: boolean; weightOffset: number }>,
    private readonly clock: Clock,
    private readonly muteIntervalMs: number,
    private readonly log: Logger,
  ) {
    for (const c of children) {
      this.byPath.set(c.path, {
        path: c.path, isLeaf: c.isLeaf, weightOffset: c.weightOffset, capacity: emptyCapacity(), muted: true, seq: -1,
        lastHeard: Number.NEGATIVE_INFINITY, linkDown: true,
      });
    }
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
      c.capacity = { ...emptyCapacity(), ...r.capacity } as Capacity;
      c.seq = r.seq;
      return true;
    }
    if (r.seq !== c.seq + 1) return r.seq <= c.seq; // old or duplicate: ignore; a gap: ask for a full report
    c.capacity = applyDelta(c.capacity, r.capacity);
    c.seq = r.seq;
    return true;
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
    c.muted = true;
    this.log.warn({ child: path }, 'child cell link lost; muted');
  }

  /** Mute children silent for longer than mute_child_interval. */
  checkSilence(): void {
    const now = this.clock.now();
    for (const c of this.byPath.values()) {
      if (!c.muted && now - c.lastHeard > this.muteIntervalMs) {
        c.muted = true;
        this.log.warn({ child: c.path }, 'child cell silent; muted');
      }
    }
  }

  candidates(): ChildCell[] {
    return [...this.byPath.values()];
  }

  /** The subtree's capacity: what the unmuted children report. */
  total(): Capacity {
    return sumCapacities([...this.byPath.values()].filter((c) => !c.muted).map((c) => c.capacity));
  }

  isMuted(path: string): boolean {
    return this.byPath.get(path)?.muted ?? true;
  }

  private heard(c: ChildState): void {
    c.lastHeard = this.clock.now();
    if (c.muted || c.linkDown) this.log.info({ child: c.path }, 'child cell heard from; unmuted');
    c.linkDown = false;
    c.muted = false;
  }
}
