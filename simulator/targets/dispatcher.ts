/**
 * The flat target's stand-in for the API cell's cell scheduler: it picks the leaf cell that can take the
 * most instances of the requested flavor (cells v1's RamByInstanceType idea: "units" per flavor), from
 * a capacity view refreshed every `[cells] capacity_report_interval` and debited locally for what it
 * sent since. Cells whose link is cut are left out; a cell that failed to answer is muted for
 * `[cells] mute_child_interval`. Ties go to the cell listed first, so choices are deterministic.
 */
import type { Clock } from '../../runtime/clock/index.ts';
import type { HostState } from '../../actors/scheduler/types.ts';
import type { FlavorNeed } from '../capacity.ts';

export interface DispatchCell {
  path: string;
  zones: ReadonlySet<string>;
  /** The cell scheduler's live host states. */
  hosts(): readonly HostState[];
}

export interface DispatchRequest {
  flavor: string;
  count: number;
  availabilityZone: string | null;
  targetCell: string | null;
}

/**
 * Per-cell state lives in flat typed arrays (units per flavor, muted-until, cut off): with a thousand
 * cells the choice is a tight loop over numbers, run for every request.
 */
export class CellDispatcher<C extends DispatchCell = DispatchCell> {
  private readonly index = new Map<C, number>();
  private readonly flavorIndex: Map<string, number>;
  /** units[cell * flavors + flavor]. */
  private readonly units: Float64Array;
  private readonly mutedUntil: Float64Array;
  private readonly cut: Uint8Array;
  private refreshedAt = -Infinity;

  constructor(
    private readonly cells: readonly C[],
    private readonly needs: FlavorNeed[],
    private readonly clock: Clock,
    private readonly opts: { refreshMs: number; muteMs: number },
  ) {
    cells.forEach((c, i) => this.index.set(c, i));
    this.flavorIndex = new Map(needs.map((n, i) => [n.name, i]));
    this.units = new Float64Array(cells.length * needs.length);
    this.mutedUntil = new Float64Array(cells.length).fill(-Infinity);
    this.cut = new Uint8Array(cells.length);
  }

  /** The cell to send a request to, or undefined when no reachable cell matches its hints. */
  choose(req: DispatchRequest): C | undefined {
    const now = this.clock.now();
    if (now - this.refreshedAt >= this.opts.refreshMs) this.refresh(now);
    const f = this.flavorIndex.get(req.flavor) ?? 0;
    const nf = this.needs.length;
    const { units, mutedUntil, cut, cells } = this;
    const zone = req.availabilityZone;
    const target = req.targetCell;
    let best = -1;
    let bestUnits = -Infinity;
    for (let i = 0; i < cells.length; i++) {
      if (cut[i] || mutedUntil[i]! > now) continue;
      const u = units[i * nf + f]!;
      if (u <= bestUnits) continue;
      if (zone !== null && !cells[i]!.zones.has(zone)) continue;
      if (target !== null && cells[i]!.path !== target && !cells[i]!.path.startsWith(`${target}!`)) continue;
      best = i;
      bestUnits = u;
    }
    return best < 0 ? undefined : cells[best];
  }

  /** Debit what was just sent, until the next refresh says what it really took. */
  dispatched(cell: C, flavor: string, count: number): void {
    const i = this.index.get(cell);
    const f = this.flavorIndex.get(flavor);
    if (i === undefined || f === undefined) return;
    const sent = this.needs[f]!;
    const base = i * this.needs.length;
    this.needs.forEach((n, g) => {
      const per = Math.max(n.ramMb ? sent.ramMb / n.ramMb : 0, n.vcpus ? sent.vcpus / n.vcpus : 0, n.diskGb ? sent.diskGb / n.diskGb : 0);
      this.units[base + g] = Math.max(0, this.units[base + g]! - count * per);
    });
  }

  mute(cell: C): void {
    const i = this.index.get(cell);
    if (i !== undefined) this.mutedUntil[i] = this.clock.now() + this.opts.muteMs;
  }

  /** The API's link to the cell went down (its MQTT client sees that) or came back. */
  setReachable(cell: C, reachable: boolean): void {
    const i = this.index.get(cell);
    if (i !== undefined) this.cut[i] = reachable ? 0 : 1;
  }

  /** Units per flavor per cell, as simulator/capacity.ts's fitCount counts them (inlined: 10^5 hosts). */
  private refresh(now: number): void {
    this.refreshedAt = now;
    const needs = this.needs;
    const units = this.units;
    units.fill(0);
    for (let c = 0; c < this.cells.length; c++) {
      const base = c * needs.length;
      for (const h of this.cells[c]!.hosts()) {
        if (!h.serviceUp || h.serviceDisabled) continue;
        const freeCpu = Math.floor(h.vcpus * h.cpuAllocationRatio) - h.vcpusUsed;
        const freeRam = Math.floor((h.memoryMb - h.reservedHostMemoryMb) * h.ramAllocationRatio) - h.memoryMbUsed;
        const freeDisk = Math.floor((h.localGb - Math.ceil(h.reservedHostDiskMb / 1024)) * h.diskAllocationRatio) - h.localGbUsed;
        for (let i = 0; i < needs.length; i++) {
          const f = needs[i]!;
          if (f.vcpus > h.vcpus || f.ramMb > h.memoryMb || f.diskGb > h.localGb) continue;
          let n = Infinity;
          if (f.vcpus > 0) n = Math.min(n, Math.floor(freeCpu / f.vcpus));
          if (f.ramMb > 0) n = Math.min(n, Math.floor(freeRam / f.ramMb));
          if (f.diskGb > 0) n = Math.min(n, Math.floor(freeDisk / f.diskGb));
          if (n > 0) units[base + i]! += n;
        }
      }
    }
  }
}
