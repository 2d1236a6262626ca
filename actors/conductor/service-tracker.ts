/**
 * Compute services and nodes as the conductor sees them: heartbeats (`report_interval`), up/down by
 * `service_down_time`, and the compute node records the resource trackers send, which become the
 * scheduler's host states and placement's inventories.
 */
import type { ComputeNodeReport } from './messages.ts';
import type { ConductorContext } from './context.ts';
import { computeNodeInventories } from '../placement/index.ts';
import { applyProviderUsage } from './usage.ts';

export interface ServiceRecord {
  uuid: string;
  id: number;
  host: string;
  binary: string;
  reportCount: number;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  lastSeenUp: number | null;
  createdAt: number;
  updatedAt: number | null;
  up: boolean;
}

/** What the tracker works with: the cell's ports and the services its records feed (scheduler, placement). */
export type ServiceTrackerContext = Pick<ConductorContext, 'db' | 'writer' | 'clock' | 'rng' | 'config' | 'log' | 'hostManager' | 'placement'>;

export class ServiceTracker {
  readonly services = new Map<string, ServiceRecord>();
  readonly nodes = new Map<string, ComputeNodeReport>();
  /** When each compute node (by uuid) was first recorded: a report updates its row, never its created_at. */
  private readonly nodeCreatedAt = new Map<string, number>();

  constructor(private readonly ctx: ServiceTrackerContext) {}

  async load(): Promise<void> {
    for (const s of await this.ctx.db('services').select()) {
      this.services.set(`${s.host}/${s.binary}`, {
        uuid: s.uuid, id: s.id, host: s.host, binary: s.binary, reportCount: s.report_count, disabled: !!s.disabled,
        disabledReason: s.disabled_reason, forcedDown: !!s.forced_down,
        lastSeenUp: s.last_seen_up === null ? null : Number(s.last_seen_up), createdAt: Number(s.created_at),
        updatedAt: s.updated_at === null ? null : Number(s.updated_at), up: false,
      });
    }
    for (const n of await this.ctx.db('compute_nodes').select('uuid', 'created_at')) this.nodeCreatedAt.set(n.uuid, Number(n.created_at));
    this.checkLiveness();
  }

  isUp(host: string, binary = 'nova-compute'): boolean {
    // Nova's servicegroup is_up: a service forced down is down whatever its heartbeats say.
    const s = this.services.get(`${host}/${binary}`);
    return !!s && s.up && !s.forcedDown;
  }

  heartbeat(host: string, binary: string): void {
    const now = this.ctx.clock.now();
    const key = `${host}/${binary}`;
    let s = this.services.get(key);
    if (!s) {
      s = {
        uuid: this.ctx.rng.uuid4(), id: this.services.size + 1, host, binary, reportCount: 0, disabled: false,
        disabledReason: null, forcedDown: false, lastSeenUp: null, createdAt: now, updatedAt: null, up: false,
      };
      this.services.set(key, s);
    }
    s.reportCount++;
    s.lastSeenUp = now;
    s.updatedAt = now;
    if (!s.up) {
      s.up = true;
      if (binary === 'nova-compute') this.ctx.hostManager.setServiceState(host, { up: true, disabled: s.disabled });
    }
    this.persist(s);
  }

  /** Mark services down whose last heartbeat is older than service_down_time. */
  checkLiveness(): void {
    const now = this.ctx.clock.now();
    const limit = this.ctx.config.DEFAULT.service_down_time * 1000;
    for (const s of this.services.values()) {
      const up = !s.forcedDown && s.lastSeenUp !== null && now - s.lastSeenUp <= limit;
      if (up !== s.up) {
        s.up = up;
        if (s.binary === 'nova-compute') this.ctx.hostManager.setServiceState(s.host, { up, disabled: s.disabled });
        this.ctx.log.info({ host: s.host, binary: s.binary, up }, 'service state changed');
      }
    }
  }

  /** Enable/disable a service or force it down (the os-services API). */
  update(host: string, binary: string, change: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean }): ServiceRecord | undefined {
    const s = this.services.get(`${host}/${binary}`);
    if (!s) return undefined;
    if (change.disabled !== undefined) {
      s.disabled = change.disabled;
      s.disabledReason = change.disabled ? (change.disabledReason ?? null) : null;
    }
    if (change.forcedDown !== undefined) s.forcedDown = change.forcedDown;
    s.updatedAt = this.ctx.clock.now();
    this.persist(s);
    this.checkLiveness();
    if (binary === 'nova-compute') this.ctx.hostManager.setServiceState(host, { up: s.up, disabled: s.disabled });
    return s;
  }

  list(): ServiceRecord[] {
    return [...this.services.values()];
  }

  listNodes(): Array<ComputeNodeReport & { serviceUp: boolean; serviceDisabled: boolean }> {
    return [...this.nodes.values()].map((n) => {
      const s = this.services.get(`${n.host}/nova-compute`);
      return { ...n, serviceUp: s?.up ?? false, serviceDisabled: s?.disabled ?? false };
    });
  }

  /** The resource tracker's report: update the node record, the host state and placement inventory. */
  computeNode(r: ComputeNodeReport): void {
    const now = this.ctx.clock.now();
    const cfg = this.ctx.config.DEFAULT;
    const isNew = !this.nodes.has(r.host);
    const createdAt = this.nodeCreatedAt.get(r.uuid) ?? now;
    this.nodeCreatedAt.set(r.uuid, createdAt);
    this.nodes.set(r.host, r);
    this.ctx.hostManager.upsertComputeNode({
      host: r.host, nodename: r.nodename, uuid: r.uuid, hypervisorType: r.hypervisorType,
      hypervisorVersion: r.hypervisorVersion, cpuArch: r.cpuArch, supportedInstances: r.supportedInstances,
      vcpus: r.vcpus, memoryMb: r.memoryMb, localGb: r.localGb,
      cpuAllocationRatio: cfg.cpu_allocation_ratio, ramAllocationRatio: cfg.ram_allocation_ratio,
      diskAllocationRatio: cfg.disk_allocation_ratio, reservedHostMemoryMb: cfg.reserved_host_memory_mb,
      reservedHostDiskMb: cfg.reserved_host_disk_mb,
    });
    const rp = this.ctx.placement.setInventory(r.uuid, r.nodename, computeNodeInventories({
      vcpus: r.vcpus, memoryMb: r.memoryMb, localGb: r.localGb,
      cpuAllocationRatio: cfg.cpu_allocation_ratio, ramAllocationRatio: cfg.ram_allocation_ratio,
      diskAllocationRatio: cfg.disk_allocation_ratio, reservedHostMemoryMb: cfg.reserved_host_memory_mb,
      reservedHostDiskMb: cfg.reserved_host_disk_mb, reservedHostCpus: cfg.reserved_host_cpus,
    }));
    // The host state takes its usage from placement, the source of truth. A host state created just now
    // (the node's first report after a cell restart) would otherwise start from zero: placement read
    // its allocations before the node was known, and an unchanged inventory tells no one.
    applyProviderUsage(this.ctx.hostManager, rp);
    // Built when its batch is written (never, on the simulator's discarding database): one per node per period.
    this.ctx.writer.upsertLazy('compute_nodes', { uuid: r.uuid }, () => ({
      uuid: r.uuid, host: r.host, hypervisor_hostname: r.nodename, hypervisor_type: r.hypervisorType,
      hypervisor_version: r.hypervisorVersion, cpu_arch: r.cpuArch, vcpus: r.vcpus, memory_mb: r.memoryMb,
      local_gb: r.localGb, vcpus_used: r.vcpusUsed, memory_mb_used: r.memoryMbUsed, local_gb_used: r.localGbUsed,
      running_vms: r.runningVms, cpu_allocation_ratio: cfg.cpu_allocation_ratio,
      ram_allocation_ratio: cfg.ram_allocation_ratio, disk_allocation_ratio: cfg.disk_allocation_ratio,
      host_ip: r.hostIp, cpu_info: r.cpuInfo, extra: JSON.stringify({ supportedInstances: r.supportedInstances }),
      created_at: createdAt, updated_at: now,
    }));
    if (isNew) this.ctx.log.debug({ host: r.host }, 'compute node registered');
  }

  private persist(s: ServiceRecord): void {
    this.ctx.writer.upsert('services', {
      uuid: s.uuid, id: s.id, host: s.host, binary: s.binary, topic: s.binary.replace(/^nova-/, ''),
      report_count: s.reportCount, disabled: s.disabled, disabled_reason: s.disabledReason, forced_down: s.forcedDown,
      last_seen_up: s.lastSeenUp, created_at: s.createdAt, updated_at: s.updatedAt,
    });
  }
}
