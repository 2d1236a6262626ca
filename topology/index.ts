/**
 * Topology: the file in which operators describe a deployment — regions and sites, the cell tree with
 * each cell's broker, database and Nova options, compute host groups, and the global catalog (flavors,
 * images, projects, users, aggregates). Load it with precise `file:line:col path: message` errors, then
 * resolve it into a flat plan (full cell names, inherited options, expanded hosts, deterministic ids)
 * that cells, the CLI and the simulator run from. docs/topology.md is the operator's reference.
 */
export { loadTopology, parseTopology, validateTopology } from './load.ts';
export type { LoadOptions } from './load.ts';
export { TopologyError, formatIssue, formatPath } from './errors.ts';
export type { TopologyIssue, PathIssue, PathSegment } from './errors.ts';
export { topologySchema, DEFAULT_BROKER_BASE_PORT } from './schema.ts';
export type {
  Topology,
  TopologyInput,
  Cell,
  CellInput,
  HostGroup,
  HostGroupInput,
  Broker,
  Database,
  DriverName,
  DriverOptions,
  Site,
  Region,
  Aggregate,
  Flavor,
  Image,
  Project,
  User,
  Role,
} from './schema.ts';
export { expandHostRange, expandHostNames, countHostRange, HostRangeError, MAX_RANGE_SIZE } from './ranges.ts';
export { resolvePlan, findCell } from './plan.ts';
export type { PlanOptions } from './plan.ts';
export type {
  TopologyPlan,
  PlanCell,
  PlanHost,
  PlanSite,
  PlanBroker,
  PlanDatabase,
  PlanAggregate,
  PlanFlavor,
  PlanImage,
  PlanProject,
  PlanUser,
} from './plan-types.ts';
export { generateTopology, STANDARD_FLAVORS } from './generate.ts';
export type { GenerateOptions } from './generate.ts';
export { mergeNovaOverrides, effectiveNovaConfig, NOVA_OPTIONS, NOVA_SECTIONS } from './nova-options.ts';
export type { NovaOverrides } from './nova-options.ts';
export { CELL_PATH_SEPARATOR, defaultDatabaseFile } from './tree.ts';
export { deterministicUuid, deterministicKeystoneId } from './ids.ts';
export { buildTopologyJsonSchema, renderTopologyJsonSchema, writeTopologyJsonSchema, TOPOLOGY_SCHEMA_PATH } from './json-schema.ts';
