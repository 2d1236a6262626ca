/**
 * HostArrays: a cell's scheduler host state as a struct of arrays, one slot per compute node in the
 * HostManager's order. The inputs (inventory, usage, ratios, reserves, service flags, failed builds)
 * live in Float64Arrays; every write through a StoredHost recomputes, for that slot only, the values
 * the filters and weighers read (Nova's free_ram_mb, free_disk_mb, free vCPUs and what RamFilter,
 * CoreFilter and DiskFilter compare against) and moves the slot in the FitIndex. The expressions are
 * those of host-state.ts and the filters, operation for operation, so the numbers are bit-identical.
 */
import { BlockSummary } from './block-summary.ts';
import type { AggregateInfo, HostState } from './types.ts';

/** Free-resource thresholds of the FitIndex: level b holds the hosts with room >= thresholds[b]. */
const RAM_LEVELS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144];
const DISK_LEVELS = RAM_LEVELS.map((mb) => mb * 8);
const CORE_LEVELS = [1, 2, 4, 8, 16, 32, 64, 128];

/** Which resource a FitIndex query runs on. */
export const RAM = 0;
export const CORE = 1;
export const DISK = 2;

/**
 * Hosts bucketed by free resources: for each resource and threshold, a bitset of the slots whose
 * room is at least that threshold, kept current one slot at a time. A request asking for R of a
 * resource reads the bitset of the largest threshold <= R: a superset, in slot order, of the hosts
 * where it fits, so a nearly full cell's scan skips the hosts that cannot take it 32 at a time.
 */
export class FitIndex {
  readonly levels: readonly (readonly number[])[] = [RAM_LEVELS, CORE_LEVELS, DISK_LEVELS];
  /** bits[r][b]: bitset over slots. */
  bits: Uint32Array[][] = [[], [], []];
  /** How many slots each bitset holds. */
  readonly counts: Int32Array[] = this.levels.map((l) => new Int32Array(l.length));
  /** Per resource, per slot: how many levels the slot is in. */
  private depth: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];

  grow(cap: number): void {
    const words = (cap + 31) >>> 5;
    for (let r = 0; r < 3; r++) {
      this.bits[r] = this.levels[r]!.map((_, b) => {
        const next = new Uint32Array(words);
        const old = this.bits[r]![b];
        if (old) next.set(old);
        return next;
      });
      const d = new Uint8Array(cap);
      d.set(this.depth[r]!.subarray(0, Math.min(cap, this.depth[r]!.length)));
      this.depth[r] = d;
    }
  }

  clear(): void {
    for (let r = 0; r < 3; r++) {
      for (const b of this.bits[r]!) b.fill(0);
      this.counts[r]!.fill(0);
      this.depth[r]!.fill(0);
    }
  }

  /** Put slot s at the levels its room reaches, for resource r. */
  set(r: number, s: number, room: number): void {
    const thr = this.levels[r]!;
    let d = 0;
    while (d < thr.length && room >= thr[d]!) d++;
    const old = this.depth[r]![s]!;
    if (d === old) return;
    const bits = this.bits[r]!;
    const counts = this.counts[r]!;
    const w = s >>> 5;
    const m = 1 << (s & 31);
    if (d > old) {
      for (let b = old; b < d; b++) {
        bits[b]![w] |= m;
        counts[b]! += 1;
      }
    } else {
      for (let b = d; b < old; b++) {
        bits[b]![w] &= ~m;
        counts[b]! -= 1;
      }
    }
    this.depth[r]![s] = d;
  }

  /** The level to read for a request of `need` (-1: none; every host may fit). */
  level(r: number, need: number): number {
    const thr = this.levels[r]!;
    let b = -1;
    while (b + 1 < thr.length && thr[b + 1]! <= need) b++;
    return b;
  }
}

/** Where each input of a HostState lives, as indices into HostArrays.cols. */
const F = {
  vcpus: 0, vcpusUsed: 1, memoryMb: 2, memoryMbUsed: 3, localGb: 4, localGbUsed: 5, cpuAllocationRatio: 6,
  ramAllocationRatio: 7, diskAllocationRatio: 8, reservedHostMemoryMb: 9, reservedHostDiskMb: 10, failedBuilds: 11,
} as const;
const NUM_INPUTS = 12;

export class HostArrays {
  /** Slots in use; slot i is HostManager.hosts()[i]. */
  size = 0;
  /** Grows at every change of a slot's numbers, service state or names, or of the slots themselves (not failed builds). */
  revision = 0;
  /** Per slot: the revision of its last change of numbers, service state or names (see LeafCapacityTracker). */
  stamps: Float64Array = new Float64Array(0);
  private cap = 0;
  readonly cols: Float64Array[] = [];
  vcpus: Float64Array = new Float64Array(0);
  vcpusUsed: Float64Array = new Float64Array(0);
  memoryMb: Float64Array = new Float64Array(0);
  failedBuilds: Float64Array = new Float64Array(0);
  up: Uint8Array = new Uint8Array(0);
  disabled: Uint8Array = new Uint8Array(0);
  /** ComputeFilter: service up and not disabled. */
  usable: Uint8Array = new Uint8Array(0);
  /** RAMWeigher: free_ram_mb. */
  freeRam: Float64Array = new Float64Array(0);
  /** CPUWeigher: vcpus * cpu_allocation_ratio - vcpus_used. */
  freeVcpus: Float64Array = new Float64Array(0);
  /** DiskWeigher: free_disk_mb. */
  freeDisk: Float64Array = new Float64Array(0);
  /**
   * RamFilter passes iff ramFit >= the flavor's RAM: min(memory_mb, memory_mb_limit - used), both
   * of Nova's checks (fits the physical RAM alone; fits under the overcommitted limit) in one number.
   */
  ramFit: Float64Array = new Float64Array(0);
  /**
   * CoreFilter passes iff coreFit >= the flavor's vCPUs: min(vcpus, limit - used), or Infinity for a
   * host reporting no vCPUs (Nova lets it pass) and no cap on one instance when the limit is <= 0.
   */
  coreFit: Float64Array = new Float64Array(0);
  /** DiskFilter passes iff diskFit >= the flavor's disk (MB): min(local_gb * 1024, limit - used). */
  diskFit: Float64Array = new Float64Array(0);
  readonly index = new FitIndex();
  /** Per block of 32 slots: min/max of the fit and weight numbers (flushed before each decision). */
  readonly blocks = new BlockSummary();

  private wcols: Float64Array[] = [this.freeRam, this.freeVcpus, this.freeDisk, this.failedBuilds];

  /** The weighers' columns, in W_RAM, W_CPU, W_DISK, W_FAIL order (fused-pass.ts); not to be kept. */
  weightColumns(): Float64Array[] {
    return this.wcols;
  }

  /** Append a slot for a new node; returns its number. */
  add(): number {
    this.revision++;
    if (this.size === this.cap) this.grow(Math.max(64, this.cap * 2));
    const s = this.size++;
    this.stamps[s] = this.revision;
    // Derived values of the all-zero inputs (a write equal to what a slot holds changes nothing).
    this.refresh(s);
    return s;
  }

  /** Drop slot s, moving the later slots down one so slot order stays the HostManager's order. */
  remove(s: number): void {
    this.revision++;
    const last = this.size - 1;
    const shift = (a: Float64Array | Uint8Array): void => {
      a.copyWithin(s, s + 1, this.size);
      a[last] = 0;
    };
    for (const c of this.cols) shift(c);
    for (const a of [this.up, this.disabled, this.usable, this.freeRam, this.freeVcpus, this.freeDisk,
      this.ramFit, this.coreFit, this.diskFit, this.stamps]) shift(a);
    this.blocks.touchRange(s, this.size);
    this.size = last;
    this.index.clear();
    for (let i = 0; i < this.size; i++) this.reindex(i);
  }

  get(s: number, field: number): number {
    return this.cols[field]![s]!;
  }

  /** Slot s changed in what the arrays do not hold (its names, its zone): stamp it for capacity. */
  touch(s: number): void {
    this.stamps[s] = ++this.revision;
  }

  /** Write one input of slot s (an unchanged value changes nothing: no revision, no refresh). */
  put(s: number, field: number, v: number): void {
    const col = this.cols[field]!;
    if (Object.is(col[s], v)) return;
    this.stamps[s] = ++this.revision;
    col[s] = v;
    this.refresh(s);
  }

  setService(s: number, up: boolean, disabled: boolean): void {
    if (this.up[s] === (up ? 1 : 0) && this.disabled[s] === (disabled ? 1 : 0)) return;
    this.stamps[s] = ++this.revision;
    this.up[s] = up ? 1 : 0;
    this.disabled[s] = disabled ? 1 : 0;
    this.usable[s] = up && !disabled ? 1 : 0;
    this.blocks.touch(s);
  }

  setFailedBuilds(s: number, v: number): void {
    this.cols[F.failedBuilds]![s] = v;
    this.blocks.touch(s);
  }

  /** Recompute slot s's derived values from its inputs (host-state.ts and the filters' arithmetic). */
  refresh(s: number): void {
    const c = this.cols;
    const total = c[F.memoryMb]![s]!;
    const freeRam = total - c[F.memoryMbUsed]![s]! - c[F.reservedHostMemoryMb]![s]!;
    this.freeRam[s] = freeRam;
    this.ramFit[s] = Math.min(total, total * c[F.ramAllocationRatio]![s]! - (total - freeRam));
    const vcpus = c[F.vcpus]![s]!;
    const limit = vcpus * c[F.cpuAllocationRatio]![s]!;
    const freeV = limit - c[F.vcpusUsed]![s]!;
    this.freeVcpus[s] = freeV;
    this.coreFit[s] = !vcpus ? Infinity : limit > 0 ? Math.min(vcpus, freeV) : freeV;
    const localGb = c[F.localGb]![s]!;
    const totalMb = localGb * 1024;
    const freeDisk = (localGb - c[F.localGbUsed]![s]!) * 1024 - c[F.reservedHostDiskMb]![s]!;
    this.freeDisk[s] = freeDisk;
    this.diskFit[s] = Math.min(totalMb, totalMb * c[F.diskAllocationRatio]![s]! - (totalMb - freeDisk));
    this.reindex(s);
  }

  private reindex(s: number): void {
    this.blocks.touch(s);
    this.index.set(RAM, s, this.ramFit[s]!);
    this.index.set(CORE, s, this.coreFit[s]!);
    this.index.set(DISK, s, this.diskFit[s]!);
  }

  private grow(cap: number): void {
    const f64 = (a: Float64Array): Float64Array => {
      const n = new Float64Array(cap);
      n.set(a);
      return n;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const n = new Uint8Array(cap);
      n.set(a);
      return n;
    };
    for (let i = 0; i < NUM_INPUTS; i++) this.cols[i] = f64(this.cols[i] ?? new Float64Array(0));
    this.vcpus = this.cols[F.vcpus]!;
    this.vcpusUsed = this.cols[F.vcpusUsed]!;
    this.memoryMb = this.cols[F.memoryMb]!;
    this.failedBuilds = this.cols[F.failedBuilds]!;
    this.up = u8(this.up);
    this.disabled = u8(this.disabled);
    this.usable = u8(this.usable);
    this.freeRam = f64(this.freeRam);
    this.freeVcpus = f64(this.freeVcpus);
    this.freeDisk = f64(this.freeDisk);
    this.ramFit = f64(this.ramFit);
    this.coreFit = f64(this.coreFit);
    this.diskFit = f64(this.diskFit);
    this.stamps = f64(this.stamps);
    this.wcols = [this.freeRam, this.freeVcpus, this.freeDisk, this.failedBuilds];
    this.index.grow(cap);
    this.blocks.grow(cap);
    this.cap = cap;
  }
}

/**
 * A HostState whose numbers live in a HostArrays slot: reading `memoryMbUsed` reads the array, and
 * writing it (the scheduler's consume, the resource tracker's count, a test) updates the derived
 * values and the index at once, so the arrays can never go stale. Everything else is a plain field.
 */
export class StoredHost implements HostState {
  #a: HostArrays;
  #slot: number;
  host: string;
  nodename: string;
  uuid: string;
  hypervisorType = 'QEMU';
  hypervisorVersion = 0;
  cpuArch = 'x86_64';
  supportedInstances: Array<[string, string, string]> = [];
  capabilities: Record<string, string> = {};
  numInstances = 0;
  instances = new Set<string>();
  availabilityZone = 'nova';
  aggregates: AggregateInfo[] = [];

  constructor(arrays: HostArrays, slot: number, ids: { host: string; nodename: string; uuid: string }) {
    this.#a = arrays;
    this.#slot = slot;
    this.host = ids.host;
    this.nodename = ids.nodename;
    this.uuid = ids.uuid;
    arrays.setService(slot, true, false);
  }

  /** The slot in the arrays (moves down when an earlier node is removed). */
  get slot(): number {
    return this.#slot;
  }

  set slot(s: number) {
    this.#slot = s;
  }

  get vcpus(): number { return this.#a.get(this.#slot, F.vcpus); }
  set vcpus(v: number) { this.#a.put(this.#slot, F.vcpus, v); }
  get vcpusUsed(): number { return this.#a.get(this.#slot, F.vcpusUsed); }
  set vcpusUsed(v: number) { this.#a.put(this.#slot, F.vcpusUsed, v); }
  get memoryMb(): number { return this.#a.get(this.#slot, F.memoryMb); }
  set memoryMb(v: number) { this.#a.put(this.#slot, F.memoryMb, v); }
  get memoryMbUsed(): number { return this.#a.get(this.#slot, F.memoryMbUsed); }
  set memoryMbUsed(v: number) { this.#a.put(this.#slot, F.memoryMbUsed, v); }
  get localGb(): number { return this.#a.get(this.#slot, F.localGb); }
  set localGb(v: number) { this.#a.put(this.#slot, F.localGb, v); }
  get localGbUsed(): number { return this.#a.get(this.#slot, F.localGbUsed); }
  set localGbUsed(v: number) { this.#a.put(this.#slot, F.localGbUsed, v); }
  get cpuAllocationRatio(): number { return this.#a.get(this.#slot, F.cpuAllocationRatio); }
  set cpuAllocationRatio(v: number) { this.#a.put(this.#slot, F.cpuAllocationRatio, v); }
  get ramAllocationRatio(): number { return this.#a.get(this.#slot, F.ramAllocationRatio); }
  set ramAllocationRatio(v: number) { this.#a.put(this.#slot, F.ramAllocationRatio, v); }
  get diskAllocationRatio(): number { return this.#a.get(this.#slot, F.diskAllocationRatio); }
  set diskAllocationRatio(v: number) { this.#a.put(this.#slot, F.diskAllocationRatio, v); }
  get reservedHostMemoryMb(): number { return this.#a.get(this.#slot, F.reservedHostMemoryMb); }
  set reservedHostMemoryMb(v: number) { this.#a.put(this.#slot, F.reservedHostMemoryMb, v); }
  get reservedHostDiskMb(): number { return this.#a.get(this.#slot, F.reservedHostDiskMb); }
  set reservedHostDiskMb(v: number) { this.#a.put(this.#slot, F.reservedHostDiskMb, v); }
  get failedBuilds(): number { return this.#a.get(this.#slot, F.failedBuilds); }
  set failedBuilds(v: number) { this.#a.setFailedBuilds(this.#slot, v); }
  get serviceUp(): boolean { return this.#a.up[this.#slot] === 1; }
  set serviceUp(v: boolean) { this.#a.setService(this.#slot, v, this.serviceDisabled); }
  get serviceDisabled(): boolean { return this.#a.disabled[this.#slot] === 1; }
  set serviceDisabled(v: boolean) { this.#a.setService(this.#slot, this.serviceUp, v); }

  /** Once removed from its HostManager: keep the numbers in arrays of its own. */
  detach(): void {
    const v = this.toJSON();
    const a = new HostArrays();
    const s = a.add();
    for (const [k, f] of Object.entries(F)) a.cols[f]![s] = v[k as keyof typeof F];
    a.setService(s, v.serviceUp, v.serviceDisabled);
    a.refresh(s);
    this.#a = a;
    this.#slot = s;
  }

  /** The plain HostState (JSON, logs, structured copies see the numbers, not the arrays). */
  toJSON(): HostState {
    return {
      host: this.host, nodename: this.nodename, uuid: this.uuid, hypervisorType: this.hypervisorType,
      hypervisorVersion: this.hypervisorVersion, cpuArch: this.cpuArch, supportedInstances: this.supportedInstances,
      capabilities: this.capabilities, vcpus: this.vcpus, vcpusUsed: this.vcpusUsed, memoryMb: this.memoryMb,
      memoryMbUsed: this.memoryMbUsed, localGb: this.localGb, localGbUsed: this.localGbUsed,
      cpuAllocationRatio: this.cpuAllocationRatio, ramAllocationRatio: this.ramAllocationRatio,
      diskAllocationRatio: this.diskAllocationRatio, reservedHostMemoryMb: this.reservedHostMemoryMb,
      reservedHostDiskMb: this.reservedHostDiskMb, numInstances: this.numInstances, instances: this.instances,
      availabilityZone: this.availabilityZone, aggregates: this.aggregates, serviceUp: this.serviceUp,
      serviceDisabled: this.serviceDisabled, failedBuilds: this.failedBuilds,
    };
  }
}
