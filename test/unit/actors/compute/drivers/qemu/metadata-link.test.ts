/**
 * What the qemu driver gives a guest for its metadata: the QEMU arguments of the metadata link (a
 * second, isolated user-mode NIC on 169.254.0.0/16 whose 169.254.169.254:80 goes to the guest's own
 * proxy socket) and of the config drive (read-only raw virtio disk); which socket paths QEMU's
 * guestfwd can take; which builds get a config drive; and the config drive contents rebuilt on the
 * host from a spawn's GuestData.
 */
import { describe, expect, it } from 'vitest';
import { GuestPaths, type GuestRecord } from '../../../../../../actors/compute/drivers/qemu/guest-files.ts';
import { qemuArgs } from '../../../../../../actors/compute/drivers/qemu/process.ts';
import { usableForGuestForward } from '../../../../../../actors/compute/drivers/qemu/network.ts';
import { metadataInstanceOf, spawnRequiresConfigDrive } from '../../../../../../actors/compute/configdrive/index.ts';
import { buildInstanceMetadata, configDriveFiles } from '../../../../../../actors/api/metadata/index.ts';
import type { SpawnContext } from '../../../../../../actors/compute/drivers/spawn-context.ts';

const UUID = '6f1c1c32-52a1-4d3e-9f55-2b8b3c6f0a11';
const paths = new GuestPaths(`/var/lib/novacell/instances/${UUID}`);
const record = (o: Partial<GuestRecord> = {}): GuestRecord => ({
  uuid: UUID, name: 'instance-00000001', hostname: 'vm1', vcpus: 1, memoryMb: 128, rootGb: 1, imageId: 'img',
  kernelId: null, ramdiskId: null, directKernel: true, hasDisk: true,
  network: { cidr: '10.100.0.0/24', gateway: '10.100.0.1', address: '10.100.0.5', mac: 'fa:16:3e:00:00:01' },
  rescue: null, ports: null, projectId: 'p1', ...o,
});
const ports = { vnc: 5901, spice: 5902, serial: 5903 };
const launch = { binary: 'qemu-system-x86_64', accel: 'tcg' as const, listen: '127.0.0.1', incoming: false };

function ctx(o: { configDrive?: boolean; imageProps?: Record<string, unknown> } = {}): SpawnContext {
  return {
    instance: { uuid: UUID, name: 'instance-00000001', hostname: 'vm1', projectId: 'p1', userId: 'u1', vcpus: 1, memoryMb: 128, rootGb: 1, ephemeralGb: 0, swapMb: 0, metadata: { role: 'web' } },
    flavor: { flavorId: '1', name: 'm1.nano', extraSpecs: {} },
    image: { id: 'img', properties: o.imageProps ?? {} },
    injectedFiles: [], adminPassword: null, networkInfo: [], blockDeviceInfo: null,
    guest: {
      displayName: 'vm1', keyName: 'k', keyData: 'ssh-ed25519 AAAAkey me@host', userData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
      configDrive: o.configDrive ?? false, availabilityZone: 'qemu', launchIndex: 0, reservationId: 'r-abc', imageRef: 'img',
    },
  };
}

describe('QEMU arguments for metadata', () => {
  it('a metadata socket adds the isolated 169.254.0.0/16 link with its guestfwd, after the guest\'s own NIC', () => {
    const socket = paths.metadataSocket;
    const args = qemuArgs(record(), paths, ports, { ...launch, metadataSocket: socket });
    const netdevs = args.flatMap((a, i) => (args[i - 1] === '-netdev' ? [a] : []));
    expect(netdevs).toHaveLength(2);
    expect(netdevs[0]).toMatch(/^user,id=net0,net=10\.100\.0\.0\/24,/);
    expect(netdevs[1]).toBe(`user,id=md0,net=169.254.0.0/16,host=169.254.0.2,dhcpstart=169.254.0.15,restrict=on,guestfwd=tcp:169.254.169.254:80-cmd:socat STDIO UNIX-CONNECT:${socket}`);
    const devices = args.flatMap((a, i) => (args[i - 1] === '-device' ? [a] : []));
    expect(devices[0]).toContain('netdev=net0');
    expect(devices[1]).toMatch(/^virtio-net-pci,netdev=md0,mac=fa:16:3e:[0-9a-f:]{8}$/);
    expect(devices[1]).not.toContain('fa:16:3e:00:00:01');
  });

  it('no socket, no metadata link', () => {
    expect(qemuArgs(record(), paths, ports, launch).join(' ')).not.toContain('169.254');
  });

  it('a config drive is a read-only raw virtio disk after the root disk', () => {
    const args = qemuArgs(record({ configDrive: true }), paths, ports, launch);
    const drives = args.flatMap((a, i) => (args[i - 1] === '-drive' ? [a] : []));
    expect(drives).toEqual([`file=${paths.disk},if=virtio,format=qcow2,id=disk`, `file=${paths.configDrive},if=virtio,format=raw,readonly=on`]);
    expect(qemuArgs(record(), paths, ports, launch).join(' ')).not.toContain('disk.config');
  });

  it('guestfwd takes only plain socket paths that fit a unix socket address', () => {
    expect(usableForGuestForward(paths.metadataSocket)).toBe(true);
    expect(usableForGuestForward('/data/a,b/metadata.sock')).toBe(false);
    expect(usableForGuestForward('/data/a b/metadata.sock')).toBe(false);
    expect(usableForGuestForward(`/${'x'.repeat(120)}/metadata.sock`)).toBe(false);
  });
});

describe('config drive of a spawn', () => {
  it('is asked for by config_drive True, forced by the host, or demanded by the image; else none', () => {
    expect(spawnRequiresConfigDrive(ctx({ configDrive: true }), false)).toBe(true);
    expect(spawnRequiresConfigDrive(ctx(), true)).toBe(true);
    expect(spawnRequiresConfigDrive(ctx({ imageProps: { img_config_drive: 'mandatory' } }), false)).toBe(true);
    expect(spawnRequiresConfigDrive(ctx({ imageProps: { img_config_drive: 'optional' } }), false)).toBe(false);
    expect(spawnRequiresConfigDrive(ctx(), false)).toBe(false);
  });

  it('holds the instance the API created: uuid, hostname, the key pair, the user data, the server metadata', () => {
    const md = buildInstanceMetadata(metadataInstanceOf(ctx({ configDrive: true })), { defaultAvailabilityZone: 'nova' });
    const files = configDriveFiles(md);
    const meta = JSON.parse(String(files.get('openstack/latest/meta_data.json'))) as Record<string, unknown>;
    expect(meta).toMatchObject({
      uuid: UUID, hostname: 'vm1', name: 'vm1', availability_zone: 'qemu', project_id: 'p1', meta: { role: 'web' },
      public_keys: { k: 'ssh-ed25519 AAAAkey me@host' },
    });
    expect(String(files.get('openstack/latest/user_data'))).toBe('#!/bin/sh\necho hi\n');
    const ec2 = JSON.parse(String(files.get('ec2/latest/meta-data.json'))) as Record<string, unknown>;
    expect(ec2['instance-type']).toBe('m1.nano');
    expect(ec2['reservation-id']).toBe('r-abc');
  });
});

describe('libvirt domain XML', () => {
  it('attaches the config drive as a read-only raw virtio disk after the root disk', async () => {
    const { domainXml } = await import('../../../../../../actors/compute/drivers/libvirt/domain-xml.ts');
    const xml = domainXml(record({ configDrive: true }), paths, 'qemu', 4000);
    expect(xml).toContain(`<source file='${paths.configDrive}'/><target dev='vdb' bus='virtio'/><readonly/>`);
    expect(domainXml(record(), paths, 'qemu', 4000)).not.toContain('disk.config');
  });
});
