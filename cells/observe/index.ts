/**
 * Observing the cells a process runs: Prometheus metrics (novacell's own and openstack-exporter's
 * names), health checks in oslo.middleware's shape, and the figures the dashboard shows.
 */
export { CellObservability } from './observability.ts';
export { CellMetrics, type CellInstruments } from './cell-metrics.ts';
export { cellHealthChecks } from './cell-health.ts';
export { cellFigures, walkCells, type CellFigures, type WatchedCell } from './watched-cell.ts';
export { topicKind } from './topic-kind.ts';
