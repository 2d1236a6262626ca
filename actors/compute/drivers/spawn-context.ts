/**
 * What the compute manager hands a driver to build a guest (the arguments of Nova's driver.spawn):
 * the instance with its flavor sizes, the image, files and password to inject, the network ports and
 * the block devices. Plain data, so it can be built from a bus message and logged; field names are
 * camelCase inside the process, Nova's meaning each.
 */
import type { GuestData } from '../../objects/guest-data.ts';

/** The instance as a driver needs it: identity, owner and the flavor's sizes copied onto it. */
export interface SpawnInstance {
  uuid: string;
  /** Nova's instance name (instance_name_template, e.g. instance-0000002a): the hypervisor's domain name. */
  name: string;
  /** Guest hostname, sanitised from the display name; what cloud-init sets. */
  hostname: string;
  projectId: string;
  userId: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  /** Server metadata (key/value), exposed to the guest through the metadata service / config drive. */
  metadata: Readonly<Record<string, string>>;
}

/** Flavor details a real driver reads beyond the sizes (hw:* extra specs drive CPU pinning, NUMA...). */
export interface SpawnFlavor {
  flavorId: string;
  name: string;
  extraSpecs: Readonly<Record<string, string>>;
}

/** Image metadata (Nova's ImageMeta): properties such as hw_disk_bus or hw_firmware_type shape the guest. */
export interface ImageMeta {
  id: string;
  name?: string;
  diskFormat?: string;
  containerFormat?: string;
  minDisk?: number;
  minRam?: number;
  properties: Readonly<Record<string, unknown>>;
}

/** One file to write into the guest (the API's "personality"), contents already base64-decoded. */
export interface InjectedFile {
  path: string;
  contents: string;
}

/** One fixed IP of a port. */
export interface VifIp {
  address: string;
  type?: 'fixed' | 'floating';
  version?: 4 | 6;
}

/** A virtual interface (Nova's network model VIF): one Neutron port plugged into the guest. */
export interface VifInfo {
  /** Port id. */
  id: string;
  /** MAC address. */
  address: string;
  /** VIF type (ovs, bridge, tap, ...), which decides how the host plugs it. */
  type?: string;
  /** Host-side device name, e.g. tapXXXXXXXX-XX. */
  devname?: string;
  network?: {
    id: string;
    label: string;
    bridge?: string;
    mtu?: number;
    subnets?: ReadonlyArray<{ cidr: string; gateway?: string; ips: readonly VifIp[] }>;
  };
}

export type NetworkInfo = readonly VifInfo[];

/** A volume attached at boot (Nova's driver block device), connection info from Cinder. */
export interface BlockDeviceMapping {
  mountDevice: string;
  connectionInfo: Readonly<Record<string, unknown>>;
  bootIndex?: number | null;
  deleteOnTermination: boolean;
}

/** Nova's block_device_info: null when the guest boots from image with no volumes. */
export interface BlockDeviceInfo {
  rootDeviceName?: string;
  ephemerals: ReadonlyArray<{ deviceName: string; size: number }>;
  swap: { deviceName: string; swapSize: number } | null;
  blockDeviceMapping: readonly BlockDeviceMapping[];
}

export interface SpawnContext {
  /** What the guest learns about itself (config drive, metadata service); absent from older messages. */
  guest?: GuestData;
  instance: SpawnInstance;
  image: ImageMeta;
  injectedFiles: readonly InjectedFile[];
  adminPassword: string | null;
  networkInfo: NetworkInfo;
  blockDeviceInfo: BlockDeviceInfo | null;
  /** Optional until the manager carries it; drivers fall back to the sizes on `instance`. */
  flavor?: SpawnFlavor;
  /** Nova's power_on argument: false builds the guest but leaves it SHUTDOWN (unshelve of a stopped server). */
  powerOn?: boolean;
  /** The request id (req-<uuid>) that started this build, for the driver's log lines. */
  reqId?: string;
}

/** What the manager may pass to operations that (re)start a guest, as Nova passes network/bdm info. */
export interface GuestOpContext {
  reqId?: string;
  networkInfo?: NetworkInfo;
  blockDeviceInfo?: BlockDeviceInfo | null;
}

export interface RescueContext extends GuestOpContext {
  /** Image to boot the rescue guest from; the instance's own image when absent. */
  image?: ImageMeta;
  /** Root password for the rescue guest. */
  rescuePassword?: string | null;
}

export interface DestroyOptions {
  reqId?: string;
  /** Nova's destroy_disks: false keeps local disks (evacuation source clean-up, shelve on shared storage). */
  destroyDisks?: boolean;
}
