/**
 * The config drive made with Debian's genisoimage and read back with isoinfo: volume label config-2,
 * the OpenStack files at every version and latest, the EC2 meta-data, user data as given; and when an
 * instance gets one (asked for, forced, or required by the image).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInstanceMetadata } from '../../../../../actors/api/metadata/index.ts';
import { requiresConfigDrive, writeConfigDrive } from '../../../../../actors/compute/configdrive/index.ts';
import { instanceRecord } from '../../../../support/instance-record.ts';

const run = promisify(execFile);
const HAVE = existsSync('/usr/bin/genisoimage') && existsSync('/usr/bin/isoinfo');
const dir = mkdtempSync(join(tmpdir(), 'novacell-cd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAVE)(HAVE ? 'config drive ISO' : 'config drive ISO (SKIPPED: apt-get install -y genisoimage)', () => {
  it('is labelled config-2 and holds the OpenStack and EC2 trees', async () => {
    const iso = join(dir, 'disk.config');
    const rec = instanceRecord();
    await writeConfigDrive(buildInstanceMetadata(rec, { defaultAvailabilityZone: 'nova', randomSeed: Buffer.alloc(16, 1) }), iso);
    expect(statSync(iso).mode & 0o077).toBe(0);
    const info = (await run('isoinfo', ['-d', '-i', iso])).stdout;
    expect(info).toMatch(/Volume id: config-2/);
    const files = (await run('isoinfo', ['-R', '-f', '-i', iso])).stdout.split('\n');
    expect(files).toEqual(expect.arrayContaining([
      '/openstack/latest/meta_data.json', '/openstack/latest/user_data', '/openstack/latest/network_data.json',
      '/openstack/latest/vendor_data.json', '/openstack/latest/vendor_data2.json', '/openstack/2012-08-10/meta_data.json',
      '/ec2/latest/meta-data.json', '/ec2/2009-04-04/meta-data.json', '/ec2/latest/user-data',
    ]));
    const md = JSON.parse((await run('isoinfo', ['-R', '-i', iso, '-x', '/openstack/latest/meta_data.json'])).stdout);
    expect(md).toMatchObject({ uuid: rec.uuid, hostname: 'web-1', keys: [{ name: 'k1' }] });
    expect((await run('isoinfo', ['-R', '-i', iso, '-x', '/openstack/latest/user_data'])).stdout).toBe('#!/bin/sh\necho MARKER\n');
    const ec2 = JSON.parse((await run('isoinfo', ['-R', '-i', iso, '-x', '/ec2/latest/meta-data.json'])).stdout);
    expect(ec2['instance-type']).toBe('m1.tiny');
  });
});

describe('which instances get a config drive', () => {
  it('asked for, forced, or demanded by the image', () => {
    const rec = instanceRecord();
    expect(requiresConfigDrive(rec, false)).toBe(false);
    expect(requiresConfigDrive(rec, true)).toBe(true);
    expect(requiresConfigDrive({ ...rec, extra: { configDrive: true } }, false)).toBe(true);
    expect(requiresConfigDrive({ ...rec, image: { id: 'i', properties: { img_config_drive: 'mandatory' } } }, false)).toBe(true);
  });
});
