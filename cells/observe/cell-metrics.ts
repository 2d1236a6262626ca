/**
 * novacell's own Prometheus metrics for the cells a process runs: builds by outcome and their latency
 * per layer, scheduler decision time, bus messages and bytes per topic kind, link state and
 * reconnects, capacity, hand-backs, database commit latency. State is read on scrape (collect
 * callbacks) wherever it already exists; the hot path only increments counters and observes
 * histograms through label children bound once per cell. Labels are cells, flavors, hosts, topic
 * kinds and states — never instance uuids.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Broker } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import type { ApiCell } from '../tree/api-cell.ts';
import type { RunningCell } from '../tree/start-cell.ts';
import { walkCells, type WatchedCell } from './watched-cell.ts';
import { topicKind } from './topic-kind.ts';
import { registerExporterMetrics } from './exporter-metrics.ts';

/** Hooks a cell's components call while they work (see StartCellOptions.instruments). */
export interface CellInstruments {
  /** Wraps one database transaction of the cell's group-commit writer. */
  timeCommit<T>(run: () => Promise<T>): Promise<T>;
  /** Wraps one scheduling decision (select_destinations). */
  timeDecision<T>(run: () => T): T;
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const RESOURCES = ['vcpus', 'memory_mb', 'disk_gb'] as const;

/** How an instance's build ended, from its vm_state; undefined while it is still building. */
function outcomeOf(i: Pick<InstanceRecord, 'vmState' | 'deleted'>): 'active' | 'error' | 'deleted' | undefined {
  if (i.deleted || i.vmState === 'deleted') return 'deleted';
  if (i.vmState === 'building') return undefined;
  return i.vmState === 'error' ? 'error' : 'active';
}

export class CellMetrics {
  private readonly cells: WatchedCell[] = [];
  private readonly apiBuilds: Counter<'outcome'>;
  private readonly cellBuilds: Counter<'cell' | 'outcome'>;
  private readonly buildSeconds: Histogram<'layer' | 'cell'>;
  private readonly decisionSeconds: Histogram<'cell'>;
  private readonly commitSeconds: Histogram<'cell'>;
  private readonly busMessages: Counter<'cell' | 'topic'>;
  private readonly busBytes: Counter<'cell' | 'topic'>;
  private readonly reconnects: Counter<'cell'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.apiBuilds = new Counter({
      name: 'novacell_api_builds_total', help: 'Servers whose build ended, as the API cell saw it, by outcome (active, error, deleted while building).',
      labelNames: ['outcome'], registers,
    });
    this.cellBuilds = new Counter({
      name: 'novacell_cell_builds_total', help: 'Builds that ended in a leaf cell, by outcome.', labelNames: ['cell', 'outcome'], registers,
    });
    this.buildSeconds = new Histogram({
      name: 'novacell_build_duration_seconds',
      help: 'Build latency per layer: api = request accepted to ACTIVE at the API cell; cell = accepted by the leaf conductor to ACTIVE.',
      labelNames: ['layer', 'cell'], buckets: LATENCY_BUCKETS, registers,
    });
    this.decisionSeconds = new Histogram({
      name: 'novacell_scheduler_decision_seconds', help: 'Time of one select_destinations call (filters, weighers, claims) in a leaf cell.',
      labelNames: ['cell'], buckets: FAST_BUCKETS, registers,
    });
    this.commitSeconds = new Histogram({
      name: 'novacell_db_commit_seconds', help: "Time of one group-commit transaction of a cell's database.",
      labelNames: ['cell'], buckets: FAST_BUCKETS, registers,
    });
    this.busMessages = new Counter({
      name: 'novacell_bus_messages_total', help: "MQTT messages published on a cell's embedded broker, by topic kind (a batch of envelopes counts once).",
      labelNames: ['cell', 'topic'], registers,
    });
    this.busBytes = new Counter({
      name: 'novacell_bus_bytes_total', help: "Payload bytes published on a cell's embedded broker, by topic kind.",
      labelNames: ['cell', 'topic'], registers,
    });
    this.reconnects = new Counter({
      name: 'novacell_link_reconnects_total', help: "Times a cell's link to its parent's broker came back after a cut.", labelNames: ['cell'], registers,
    });
    this.registerPulled(registers);
    registerExporterMetrics(registry, () => this.cells);
  }

  /** The cells reported on so far. */
  watched(): readonly WatchedCell[] {
    return this.cells;
  }

  /** The hooks to pass to a cell's components when it starts. */
  instrumentsFor(cell: string): CellInstruments {
    const commit = this.commitSeconds.labels(cell);
    const decision = this.decisionSeconds.labels(cell);
    return {
      async timeCommit(run) {
        const end = commit.startTimer();
        try {
          return await run();
        } finally {
          end();
        }
      },
      timeDecision(run) {
        const end = decision.startTimer();
        try {
          return run();
        } finally {
          end();
        }
      },
    };
  }

  /** Count what is published on a cell's embedded broker. */
  watchBroker(cell: string, broker: Broker): void {
    type Bound = ReturnType<Counter<'cell' | 'topic'>['labels']>;
    const bound = new Map<string, { n: Bound; b: Bound }>();
    broker.aedes.on('publish', (packet, client) => {
      if (!client) return; // the broker's own $SYS and will bookkeeping
      const kind = topicKind(packet.topic);
      let c = bound.get(kind);
      if (!c) bound.set(kind, (c = { n: this.busMessages.labels(cell, kind), b: this.busBytes.labels(cell, kind) }));
      c.n.inc();
      c.b.inc(packet.payload.length);
    });
  }

  /** Start reporting a running cell (and, for the API cell, the cloud-wide figures). */
  watchCell(rc: RunningCell, clock: Clock, apiCell?: ApiCell): void {
    const path = rc.plan.path;
    this.cells.push({ rc, apiCell, path });
    rc.parentBus?.onReconnect?.(() => this.reconnects.labels(path).inc());
    this.reconnects.labels(path).inc(0);
    if (apiCell) this.watchApiBuilds(apiCell, clock);
    if (rc.leaf) this.watchLeafBuilds(path, rc, clock);
  }

  private watchApiBuilds(apiCell: ApiCell, clock: Clock): void {
    const building = new Set<string>();
    const api = this.buildSeconds.labels('api', 'api');
    for (const o of ['active', 'error', 'deleted']) this.apiBuilds.labels(o).inc(0);
    apiCell.onInstanceChange((c) => {
      const outcome = outcomeOf(c);
      if (outcome === undefined) {
        building.add(c.uuid);
        return;
      }
      if (!building.delete(c.uuid)) return;
      this.apiBuilds.labels(outcome).inc();
      if (outcome === 'active') api.observe(Math.max(0, ((c.launchedAt ?? clock.now()) - c.createdAt) / 1000));
    });
  }

  private watchLeafBuilds(path: string, rc: RunningCell, clock: Clock): void {
    const started = new Map<string, number>();
    const hist = this.buildSeconds.labels('cell', path);
    for (const o of ['active', 'error', 'deleted']) this.cellBuilds.labels(path, o).inc(0);
    rc.leaf!.ctx.store.onChange((inst) => {
      const outcome = outcomeOf(inst);
      if (outcome === undefined) {
        if (!started.has(inst.uuid)) started.set(inst.uuid, clock.now());
        return;
      }
      const t0 = started.get(inst.uuid);
      if (t0 === undefined) return;
      started.delete(inst.uuid);
      this.cellBuilds.labels(path, outcome).inc();
      if (outcome === 'active') hist.observe((clock.now() - t0) / 1000);
    });
  }

  /** Gauges read from the cells' own state on every scrape. */
  private registerPulled(registers: Registry[]): void {
    const cells = () => this.cells;
    new Gauge({
      name: 'novacell_cell_capacity', help: 'Capacity of a cell (a parent: its unmuted children), by resource; kind is total or free.',
      labelNames: ['cell', 'resource', 'kind'], registers,
      async collect() {
        this.reset();
        for (const { path, capacity } of await walkCells(cells())) {
          const total = [capacity.vcpus, capacity.memoryMb, capacity.diskGb];
          const free = [capacity.vcpusFree, capacity.memoryMbFree, capacity.diskGbFree];
          RESOURCES.forEach((r, i) => {
            this.labels(path, r, 'total').set(total[i]!);
            this.labels(path, r, 'free').set(free[i]!);
          });
        }
      },
    });
    new Gauge({
      name: 'novacell_cell_flavor_units', help: 'How many more servers of each flavor fit in a cell (cells v1 units).',
      labelNames: ['cell', 'flavor'], registers,
      async collect() {
        this.reset();
        for (const { path, capacity, flavorName } of await walkCells(cells())) {
          for (const [id, n] of Object.entries(capacity.units)) this.labels(path, flavorName(id)).set(n);
        }
      },
    });
    new Gauge({
      name: 'novacell_cell_hosts', help: 'Compute hosts of a cell (a parent: of its unmuted children), by state (up, total).',
      labelNames: ['cell', 'state'], registers,
      async collect() {
        this.reset();
        for (const { path, capacity } of await walkCells(cells())) {
          this.labels(path, 'up').set(capacity.hostsUp);
          this.labels(path, 'total').set(capacity.hosts);
        }
      },
    });
    new Gauge({
      name: 'novacell_cell_instances', help: 'Instances a cell holds, by vm_state (leaves: their own; the API cell: its copies).',
      labelNames: ['cell', 'vm_state'], registers,
      collect() {
        this.reset();
        for (const w of cells()) {
          const counts = new Map<string, number>();
          const add = (s: string) => counts.set(s, (counts.get(s) ?? 0) + 1);
          if (w.apiCell) for (const i of w.apiCell.liveCopies()) add(i.vmState);
          else if (w.rc.leaf) for (const i of w.rc.leaf.ctx.store.all()) if (!i.deleted) add(i.vmState);
          else continue;
          for (const [s, n] of counts) this.labels(w.path, s).set(n);
        }
      },
    });
    new Gauge({
      name: 'novacell_link_up', help: "1 while a cell's own link to its parent's broker is connected.", labelNames: ['cell'], registers,
      collect() {
        this.reset();
        for (const w of cells()) if (w.rc.parentBus) this.labels(w.path).set(w.rc.parentBus.connected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'novacell_child_link_state', help: 'A child cell as its parent sees it: 1 for its current state (up, muted, down).',
      labelNames: ['cell', 'child', 'state'], registers,
      collect() {
        this.reset();
        for (const w of cells()) {
          const role = w.apiCell?.role ?? w.rc.role;
          if (!role) continue;
          for (const child of role.children.paths()) {
            const s = role.children.linkState(child);
            for (const st of ['up', 'muted', 'down']) this.labels(w.path, child, st).set(s?.link === st ? 1 : 0);
          }
        }
      },
    });
    let seen = new Map<string, number>();
    new Counter({
      name: 'novacell_handbacks_total', help: 'Builds handed back to a cell by its children (no child could place them).',
      labelNames: ['cell'], registers,
      collect() {
        const next = new Map<string, number>();
        for (const w of cells()) {
          const role = w.apiCell?.role ?? w.rc.role;
          if (!role) continue;
          next.set(w.path, role.handbacks);
          this.labels(w.path).inc(Math.max(0, role.handbacks - (seen.get(w.path) ?? 0)));
        }
        seen = next;
      },
    });
  }
}
