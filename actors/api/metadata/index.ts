/**
 * The metadata service (nova-api-metadata) and the contents it shares with the config drive: the EC2
 * and OpenStack trees of an instance, answered to signed proxy requests from the owning cell's data.
 */
export { MetadataService, InMemoryPasswordStore, instanceIdSignature } from './service.ts';
export type { MetadataServiceOptions, MetadataSource, PasswordStore } from './service.ts';
export { buildInstanceMetadata, userDataOf, EC2_VERSIONS, OPENSTACK_VERSIONS } from './content.ts';
export type { InstanceMetadata, Ec2Tree, MetadataInstance } from './content.ts';
export { lookupMetadata, configDriveFiles } from './tree.ts';
export type { MetadataAnswer } from './tree.ts';
export { startMetadataServer } from './server.ts';
export type { MetadataServer, MetadataServerOptions } from './server.ts';
export { computeApiSource } from './source.ts';
export { ServerAttrsPasswords } from './passwords.ts';
export type { ServerAttrsStore } from './passwords.ts';
