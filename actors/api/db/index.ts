/** The API cell's database: global data (flavors, keypairs, images, groups, aggregates, quotas) and instance mappings. */
export { ApiStore } from './store.ts';
export { seedFromPlan } from './seed.ts';
export { apiMigrations } from './migrations.ts';
export { DEFAULT_QUOTAS, QUOTA_RESOURCES } from './quotas.ts';
export type { NewFlavor } from './flavors.ts';
export type {
  Aggregate, ArchivedAction, Flavor, GroupPolicy, Image, ImageStatus, ImageVisibility, InstanceMapping, Keypair, KeypairType, ServerAttrs,
  ServerGroup,
} from './types.ts';
export type { SecurityGroup, SecurityGroupRule } from './nova-network.ts';
