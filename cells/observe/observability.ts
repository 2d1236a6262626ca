/**
 * Everything a process exposes about the cells it runs: one Prometheus registry (process metrics,
 * novacell's and openstack-exporter's), the hooks its cells measure with, and its health checks —
 * mounted as /metrics and /healthcheck on the API's HTTP server or on a cell process's own.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../runtime/clock/index.ts';
import { mountHealthcheck, mountMetrics, type HttpServer } from '../../runtime/http/index.ts';
import { processRegistry, type HealthCheck, type Registry } from '../../runtime/metrics/index.ts';
import type { ApiCell } from '../tree/api-cell.ts';
import type { RunningCell } from '../tree/start-cell.ts';
import { CellMetrics, type CellInstruments } from './cell-metrics.ts';
import { cellHealthChecks } from './cell-health.ts';
import type { WatchedCell } from './watched-cell.ts';

export class CellObservability {
  readonly registry: Registry;
  readonly metrics: CellMetrics;
  private readonly checks: HealthCheck[];

  constructor(registry: Registry = processRegistry()) {
    this.registry = registry;
    this.metrics = new CellMetrics(registry);
    this.checks = cellHealthChecks(() => this.metrics.watched());
  }

  instrumentsFor(cell: string): CellInstruments {
    return this.metrics.instrumentsFor(cell);
  }

  /** Report on a cell once it runs: its state on every scrape, its broker's traffic, its builds. */
  watch(rc: RunningCell, clock: Clock, apiCell?: ApiCell): void {
    if (rc.broker) this.metrics.watchBroker(rc.plan.path, rc.broker);
    this.metrics.watchCell(rc, clock, apiCell);
  }

  cells(): readonly WatchedCell[] {
    return this.metrics.watched();
  }

  healthChecks(): readonly HealthCheck[] {
    return this.checks;
  }

  /** /metrics and /healthcheck on `app` (before it listens). */
  mount(app: HttpServer, o: { clock: Clock; isAdmin(request: FastifyRequest): Promise<boolean>; extraChecks?: () => HealthCheck[] }): void {
    mountMetrics(app, this.registry);
    mountHealthcheck(app, { checks: () => [...this.checks, ...(o.extraChecks?.() ?? [])], clock: o.clock, isAdmin: o.isAdmin });
  }
}
