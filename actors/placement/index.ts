/** Placement: resource providers (trees, traits, aggregates), inventories, atomic allocations, candidates. */
export { Placement, capacityOf, computeNodeInventories } from './placement.ts';
export type { Inventory, ResourceProvider, Allocation, Resources, UsageListener, ProviderExtras, ConsumerRecord, AllocationWrite } from './placement.ts';
export { placementMigration, placementTables } from './schema.ts';
export { placementOps, callPlacementOp, PLACEMENT_OPS } from './operations.ts';
export type { PlacementOps, PlacementOp, ProviderFilter, ConsumerAllocations, AllocationsPut, ReshapeBody } from './operations.ts';
export { PlacementCall, type PlacementCallBody } from './messages.ts';
export { PlacementError, unwrap, type PlacementReply } from './errors.ts';
export * as placementErrors from './errors.ts';
export type { ProviderRecord } from './records.ts';
export { emptyGroup, traitsMatch, type RequestGroup } from './query.ts';
export type { CandidatesQuery, CandidatesResult, AllocationRequest } from './candidates.ts';
export { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS, isCustomName } from './standard.ts';
export { flavorTraits } from './flavor-traits.ts';
