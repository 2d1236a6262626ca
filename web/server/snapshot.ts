/**
 * The dashboard's picture of the cloud, built only from what the API cell can learn in any mode (one
 * process or one process per cell): the status walk of the tree (capacity, links, instance counts —
 * what `novacell status` shows), the compute nodes and services the leaves answer with, and the API
 * cell's own instance copies. Builds per minute come from the copies turning ACTIVE.
 */
import type { Clock } from '../../runtime/clock/index.ts';
import type { TopologyPlan } from '../../topology/index.ts';
import type { ComputeNodeView, ServiceView } from '../../actors/api/compute-api.ts';
import type { ApiCell } from '../../cells/tree/api-cell.ts';
import type { CellStatus, ChildStatus } from '../../cells/tree/status.ts';
import type { DashCell, DashHost, DashInstance, Snapshot } from '../shared/model.ts';

/** Newest instances sent to browsers; the rest are counted, not listed. */
export const MAX_INSTANCES = 2000;
const MINUTE = 60_000;

interface Found {
  status?: CellStatus;
  via?: ChildStatus;
}

function walk(s: CellStatus, out: Map<string, Found>, via?: ChildStatus): void {
  out.set(s.cell, { status: s, via });
  for (const c of s.children) {
    if (c.status) walk(c.status, out, c);
    else out.set(c.cell, { via: c });
  }
}

export class SnapshotBuilder {
  private status: CellStatus | undefined;
  private nodes: ComputeNodeView[] = [];
  private services: ServiceView[] = [];
  /** Times instances turned ACTIVE, per leaf cell, within the last minute. */
  private readonly activations: Array<{ at: number; cell: string }> = [];
  private readonly building = new Set<string>();

  constructor(private readonly plan: TopologyPlan, private readonly apiCell: ApiCell, private readonly clock: Clock) {
    apiCell.onInstanceChange((c) => {
      if (c.vmState === 'building') this.building.add(c.uuid);
      else if (this.building.delete(c.uuid) && c.vmState === 'active' && c.cell) this.activations.push({ at: clock.now(), cell: c.cell });
    });
  }

  async refreshStatus(timeoutMs: number): Promise<void> {
    this.status = await this.apiCell.status(timeoutMs);
  }

  async refreshHosts(): Promise<void> {
    const [nodes, services] = await Promise.all([this.apiCell.listComputeNodes(), this.apiCell.listServices()]);
    this.nodes = nodes;
    this.services = services;
  }

  build(): Snapshot {
    const now = this.clock.now();
    while (this.activations.length && this.activations[0]!.at < now - MINUTE) this.activations.shift();
    const found = new Map<string, Found>();
    if (this.status) walk(this.status, found);
    const hosts = this.hosts();
    const copies = [...this.apiCell.liveCopies()];
    const cells = this.plan.cells.map((pc): DashCell => {
      const f = found.get(pc.path) ?? {};
      const cap = f.status?.capacity ?? f.via?.reported;
      const within = (cell: string | null) => cell !== null && (cell === pc.path || cell.startsWith(`${pc.path}!`));
      const instances: Record<string, number> = {};
      for (const c of copies) if (pc.parentPath === null || within(c.cell)) instances[c.vmState] = (instances[c.vmState] ?? 0) + 1;
      const mine = hosts.filter((h) => within(h.cell));
      const flavors = this.apiCell.flavorList();
      const units: Record<string, number> = {};
      for (const f2 of flavors) if (cap?.units[f2.id] !== undefined) units[f2.name] = cap.units[f2.id]!;
      const link = f.via?.link ?? null;
      return {
        path: pc.path, name: pc.name, parent: pc.parentPath, depth: pc.depth,
        role: pc.parentPath === null ? 'api' : pc.isLeaf ? 'leaf' : 'intermediate',
        description: pc.description,
        site: pc.site ? { ref: pc.site.ref, lat: pc.site.lat, lon: pc.site.lon, description: pc.site.description } : null,
        link, muted: link !== null && link !== 'up',
        adminMuted: pc.parentPath === this.plan.cells[0]!.path && this.apiCell.role.children.isAdminMuted(pc.path),
        lastHeardS: f.via?.lastHeardMsAgo == null ? null : Math.round(f.via.lastHeardMsAgo / 1000),
        answered: f.status !== undefined,
        capacity: {
          vcpus: cap?.vcpus ?? 0, vcpusFree: cap?.vcpusFree ?? 0, memoryMb: cap?.memoryMb ?? 0, memoryMbFree: cap?.memoryMbFree ?? 0,
          diskGb: cap?.diskGb ?? 0, diskGbFree: cap?.diskGbFree ?? 0, hostsUp: cap?.hostsUp ?? 0, hosts: cap?.hosts ?? 0,
        },
        units,
        hosts: {
          up: mine.filter((h) => h.state === 'up' && !h.disabled).length,
          down: mine.filter((h) => h.state !== 'up').length,
          disabled: mine.filter((h) => h.disabled).length,
        },
        instances,
        buildsPerMin: this.activations.filter((a) => within(a.cell)).length,
      };
    });
    copies.sort((a, b) => b.createdAt - a.createdAt || (a.uuid < b.uuid ? -1 : 1));
    const instances = copies.slice(0, MAX_INSTANCES).map((c): DashInstance => ({
      uuid: c.uuid, name: c.displayName, cell: c.cell, host: c.host, vmState: c.vmState, taskState: c.taskState,
      flavor: c.flavor.name, projectId: c.projectId, createdAt: c.createdAt,
    }));
    return {
      at: now, cells, hosts, instances, instancesOmitted: Math.max(0, copies.length - MAX_INSTANCES),
      totals: { instances: copies.length, buildsPerMin: this.activations.length },
    };
  }

  /** Every host of the plan, with what its cell last said; a host whose cell did not answer is unknown. */
  private hosts(): DashHost[] {
    const nodes = new Map(this.nodes.map((n) => [n.host, n]));
    const services = new Map(this.services.filter((s) => s.binary === 'nova-compute').map((s) => [s.host, s]));
    return this.plan.hosts.map((h): DashHost => {
      const n = nodes.get(h.name);
      const s = services.get(h.name);
      return {
        host: h.name, cell: h.cell, state: s ? (s.up ? 'up' : 'down') : 'unknown',
        disabled: s?.disabled ?? false, disabledReason: s?.disabledReason ?? null,
        vcpus: n?.vcpus ?? h.vcpus, vcpusUsed: n?.vcpusUsed ?? 0, memoryMb: n?.memoryMb ?? h.memory_mb, memoryMbUsed: n?.memoryMbUsed ?? 0,
        localGb: n?.localGb ?? h.disk_gb, localGbUsed: n?.localGbUsed ?? 0, runningVms: n?.runningVms ?? 0,
      };
    });
  }
}
