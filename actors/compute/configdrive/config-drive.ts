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
import { buildInstanceMetadata, configDriveFiles, type InstanceMetadata } from '../../api/metadata/index.ts';

const run = promisify(execFile);

export const CONFIG_DRIVE_LABEL = 'config-2';

/** Does this instance get a config drive? Asked for, [DEFAULT] force_config_drive, or the image demands one. */
export function requiresConfigDrive(i: Pick<InstanceRecord, 'extra' | 'image'>, forceConfigDrive: boolean): boolean {
  return forceConfigDrive || i.extra['configDrive'] === true || i.image.properties['img_config_drive'] === 'mandatory';
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
export async function configDriveFor(i: InstanceRecord, isoPath: string, defaultAvailabilityZone: string, randomSeed: Buffer, o: ConfigDriveOptions = {}): Promise<void> {
  await writeConfigDrive(buildInstanceMetadata(i, { defaultAvailabilityZone, randomSeed }), isoPath, o);
}
