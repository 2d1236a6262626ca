/**
 * The config drive (nova/virt/configdrive.py): an ISO 9660 volume labelled "config-2" holding the
 * same OpenStack and EC2 trees the metadata service serves (openstack/<version>/meta_data.json,
 * user_data, network_data.json, ..., ec2/<version>/meta-data.json), made with genisoimage with
 * Nova's options, for a driver to attach to the guest. Edge code: it writes files and runs a program.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { InstanceRecord } from '../../conductor/records.ts';
import { buildInstanceMetadata, configDriveFiles, type InstanceMetadata, type MetadataInstance } from '../../api/metadata/index.ts';
import type { SpawnContext } from '../drivers/spawn-context.ts';

const run = promisify(execFile);

export const CONFIG_DRIVE_LABEL = 'config-2';

/** Does this instance get a config drive? Asked for, [DEFAULT] force_config_drive, or the image demands one. */
export function requiresConfigDrive(i: Pick<InstanceRecord, 'extra' | 'image'>, forceConfigDrive: boolean): boolean {
  return configDriveRequired(i.extra['configDrive'] === true, i.image.properties, forceConfigDrive);
}

function configDriveRequired(asked: boolean, imageProperties: Readonly<Record<string, unknown>>, forceConfigDrive: boolean): boolean {
  return forceConfigDrive || asked || imageProperties['img_config_drive'] === 'mandatory';
}

export interface ConfigDriveOptions {
  /** genisoimage (Nova's [DEFAULT] mkisofs_cmd); default the one on PATH. */
  mkisofs?: string;
}

/** Write `md` as a config drive ISO at `isoPath` (mode 0600: it holds user data and keys). */
export async function writeConfigDrive(md: InstanceMetadata, isoPath: string, o: ConfigDriveOptions = {}): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'novacell-configdrive-'));
  try {
    for (const [path, body] of configDriveFiles(md)) {
      const file = join(staging, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body);
    }
    await mkdir(dirname(isoPath), { recursive: true });
    await run(o.mkisofs ?? 'genisoimage', [
      '-o', isoPath, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'novacell', '-quiet', '-J', '-r',
      '-V', CONFIG_DRIVE_LABEL, staging,
    ]);
    await chmod(isoPath, 0o600);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The config drive of an instance record, as a compute host builds it at spawn. */
export async function configDriveFor(i: MetadataInstance, isoPath: string, defaultAvailabilityZone: string, randomSeed: Buffer, o: ConfigDriveOptions = {}): Promise<void> {
  await writeConfigDrive(buildInstanceMetadata(i, { defaultAvailabilityZone, randomSeed }), isoPath, o);
}

/** Does this build get a config drive? The instance asked (config_drive True), the image demands one, or the host forces it. */
export function spawnRequiresConfigDrive(ctx: SpawnContext, forceConfigDrive: boolean): boolean {
  return configDriveRequired(ctx.guest?.configDrive === true, ctx.image.properties, forceConfigDrive);
}

/** The instance a spawn describes, in the shape its metadata is built from. */
export function metadataInstanceOf(ctx: SpawnContext): MetadataInstance {
  const i = ctx.instance;
  const g = ctx.guest;
  return {
    uuid: i.uuid, projectId: i.projectId, hostname: i.hostname, displayName: g?.displayName ?? i.hostname,
    keyName: g?.keyName ?? null, availabilityZone: g?.availabilityZone ?? null, imageRef: g?.imageRef ?? ctx.image.id,
    launchIndex: g?.launchIndex ?? 0, reservationId: g?.reservationId ?? '', metadata: { ...i.metadata },
    extra: { ...(g?.keyData ? { keyData: g.keyData } : {}), ...(g?.userData ? { userData: g.userData } : {}) },
    flavor: { name: ctx.flavor?.name ?? '' },
  };
}
