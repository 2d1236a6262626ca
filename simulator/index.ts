/**
 * The simulator: runs novacell's own control plane (cells, conductor, scheduler, compute actors with
 * FakeDrivers) on a virtual clock and an in-memory bus whose delays come from the sites' geography, to
 * answer capacity-planning "what ifs". Scenario files in, results.json + CSV + report.html out;
 * deterministic per seed. docs/simulation.md is the user's guide.
 */
export { runSimulation } from './engine.ts';
export type { EngineOptions, Progress, RunOutput, WallMetrics } from './engine.ts';
export { loadScenario, parseScenario, ScenarioError, parseOverride } from './scenario/index.ts';
export type { Scenario, ResolvedFault } from './scenario/index.ts';
export type { SimTarget, SimTargetFactory, SimTargetContext, SimBuildRequest, SimHostUsage, SimFault, InstanceStateEvent, SimCounters } from './target.ts';
export { TARGETS, targetFactory } from './targets/index.ts';
export { FlatCells, startFlatCells } from './targets/flat-cells.ts';
export { WorkloadGenerator } from './workload/generator.ts';
export type { SimRequestSpec } from './workload/generator.ts';
export { runOracle } from './oracle/run.ts';
export { writeRunOutputs } from './report/write.ts';
export { buildResults, resultsJson } from './report/results.ts';
export { replicationSeeds, writeReplicationSummary } from './report/replications.ts';
