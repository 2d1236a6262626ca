/**
 * The API cell's REST surfaces and their ports: the HTTP service (identity, compute v2.1, image v2,
 * placement root) over the API database, the ComputeAPI facade and the CellsPort it reaches the cells
 * through (one cell, or a fan-out over several until the cell tree provides one).
 */
export { startApiService, openApiStore, buildApiApp } from './api-service.ts';
export type { ApiService, ApiServiceOptions } from './api-service.ts';
export { ComputeAPI, NotImplementedByCells, sanitizeHostname } from './compute-api.ts';
export type { CellsPort, CreateRequest, CreateResult, InstanceView, RequestContext, ServiceView, ComputeNodeView, ServiceUpdate } from './compute-api.ts';
export { SingleCellPort } from './single-cell-port.ts';
export { ApiStore, seedFromPlan } from './db/index.ts';
export { cloudsYaml, writeCloudsYaml } from './clouds-yaml.ts';
export { identityDataFromPlan } from './identity-from-plan.ts';
