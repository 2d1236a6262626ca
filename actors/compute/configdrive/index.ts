/** The config drive: the metadata trees on an ISO 9660 volume labelled config-2, for drivers to attach. */
export { CONFIG_DRIVE_LABEL, configDriveFor, metadataInstanceOf, requiresConfigDrive, spawnRequiresConfigDrive, writeConfigDrive } from './config-drive.ts';
export type { ConfigDriveOptions } from './config-drive.ts';
