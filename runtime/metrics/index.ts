/**
 * Observability plumbing with no Nova knowledge: a per-process Prometheus registry and health checks
 * in oslo.middleware's shape. What is measured lives with the cells (cells/observe/).
 */
export { exposition, processRegistry, type Registry } from './registry.ts';
export { runHealthChecks, type HealthCheck, type HealthReport, type HealthResult } from './health.ts';
