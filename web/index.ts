/**
 * The operator's dashboard: the cell tree (as a tree and on a map of the sites), capacity, hosts and
 * instances, live over websockets, behind identity login; mounted by the API cell's HTTP server.
 */
export { mountDashboard, type DashboardOptions } from './server/dashboard.ts';
export type { Snapshot, DashCell, DashHost, DashInstance, InstanceDetail } from './shared/model.ts';
