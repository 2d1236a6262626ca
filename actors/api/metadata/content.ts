/**
 * What the metadata service and the config drive tell a guest about itself (nova/api/metadata/base.py
 * InstanceMetadata): built once per instance from its record — the EC2 meta-data tree, the OpenStack
 * meta_data.json, network_data.json, vendor data, and the user data — in Nova's names and versions.
 */
import type { InstanceRecord } from '../../conductor/records.ts';
import { fakeAddress } from '../compute/views/addresses.ts';
import { ec2ImageId, ec2InstanceId } from '../ec2/ids.ts';

/** Nova's EC2 metadata versions (base.py VERSIONS), oldest first; "latest" is served too. */
export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04'];
/** Nova's OpenStack metadata versions (base.py OPENSTACK_VERSIONS). */
export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14'];
/** From these OpenStack versions on, network_data.json and vendor_data2.json exist. */
export const NETWORK_DATA_SINCE = '2015-10-15';
export const VENDOR_DATA2_SINCE = '2016-10-06';

/** An EC2 tree: a string is a file, an object a directory. */
export type Ec2Tree = { [name: string]: string | Ec2Tree };

export interface MetadataOptions {
  defaultAvailabilityZone: string;
  /** Bytes for meta_data.json's random_seed (Nova gives 512 from os.urandom). */
  randomSeed?: Buffer;
}

export interface InstanceMetadata {
  uuid: string;
  projectId: string;
  hostname: string;
  ec2: Ec2Tree;
  metaDataJson: Record<string, unknown>;
  networkData: Record<string, unknown>;
  vendorData: Record<string, unknown>;
  userData: Buffer | undefined;
}

/** The user data as the guest gets it: base64-decoded bytes, or undefined without any. */
export function userDataOf(i: Pick<InstanceRecord, 'extra'>): Buffer | undefined {
  const raw = i.extra['userData'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  return Buffer.from(raw, 'base64');
}

/** The fields of an instance its metadata is made of (a compute host rebuilds them from GuestData). */
export type MetadataInstance = Pick<InstanceRecord,
  'uuid' | 'projectId' | 'hostname' | 'displayName' | 'keyName' | 'availabilityZone' | 'imageRef' | 'launchIndex' | 'reservationId' | 'metadata' | 'extra'
> & { flavor: Pick<InstanceRecord['flavor'], 'name'> };

export function buildInstanceMetadata(i: MetadataInstance, o: MetadataOptions): InstanceMetadata {
  const zone = i.availabilityZone ?? o.defaultAvailabilityZone;
  const keyData = typeof i.extra['keyData'] === 'string' ? (i.extra['keyData'] as string) : undefined;
  const hostname = typeof i.extra['hostname'] === 'string' ? (i.extra['hostname'] as string) : i.hostname;
  const addr = fakeAddress(i.uuid);
  const keys = i.keyName && keyData ? [{ name: i.keyName, type: 'ssh', data: keyData }] : [];
  const ec2: Ec2Tree = {
    'ami-id': ec2ImageId(i.imageRef),
    'ami-launch-index': String(i.launchIndex),
    'ami-manifest-path': 'FIXME',
    'block-device-mapping': { ami: 'vda', root: '/dev/vda' },
    hostname,
    'instance-action': 'none',
    'instance-id': ec2InstanceId(i.uuid),
    'instance-type': i.flavor.name,
    'local-hostname': hostname,
    'local-ipv4': addr.addr,
    placement: { 'availability-zone': zone },
    'public-hostname': hostname,
    'public-ipv4': '',
    ...(keys.length > 0 ? { 'public-keys': { [`0=${keys[0]!.name}`]: { 'openssh-key': keys[0]!.data } } } : {}),
    'reservation-id': i.reservationId,
    'security-groups': 'default',
  };
  const metaDataJson: Record<string, unknown> = {
    uuid: i.uuid,
    meta: { ...i.metadata },
    hostname,
    name: i.displayName,
    launch_index: i.launchIndex,
    availability_zone: zone,
    project_id: i.projectId,
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])),
    keys,
    devices: [],
    ...(o.randomSeed ? { random_seed: o.randomSeed.toString('base64') } : {}),
  };
  const networkData = {
    links: [{ id: `tap${i.uuid.slice(0, 11)}`, vif_id: i.uuid, type: 'phy', mtu: 1500, ethernet_mac_address: addr.mac }],
    networks: [{ id: 'network0', type: 'ipv4_dhcp', link: `tap${i.uuid.slice(0, 11)}`, network_id: 'private' }],
    services: [],
  };
  return { uuid: i.uuid, projectId: i.projectId, hostname, ec2, metaDataJson, networkData, vendorData: {}, userData: userDataOf(i) };
}
