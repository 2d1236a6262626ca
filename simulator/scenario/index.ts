/**
 * Scenario files: what to simulate (topology, workload, faults, Nova options, duration, seed), loaded
 * with precise `file:line:col path: message` errors and resolved against the topology.
 */
export { loadScenario, parseScenario } from './load.ts';
export type { ScenarioLoadOptions } from './load.ts';
export { ScenarioError, formatScenarioIssue } from './errors.ts';
export { parseOverride } from './overrides.ts';
export type { Scenario, ResolvedFault, ResolvedWorkload, FaultKind, Weighted } from './model.ts';
export { pickWeighted, weighted } from './model.ts';
