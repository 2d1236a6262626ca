/** Placement: resource providers, inventories and atomic allocations (inside each leaf cell for now). */
export { Placement, capacityOf, computeNodeInventories } from './placement.ts';
export type { Inventory, ResourceProvider, Allocation, Resources, UsageListener } from './placement.ts';
