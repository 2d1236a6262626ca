/**
 * Driver capabilities: what a hypervisor can do, in Nova's keys (ComputeDriver.capabilities) spelled in
 * camelCase. The compute manager checks them before an operation (attach_interface, evacuate, ...) and
 * reports the standard ones to placement as COMPUTE_* traits, which is how the scheduler avoids hosts
 * that cannot honour a request. Defaults are Nova's base class: everything off until a driver says so.
 */
export interface DriverCapabilities {
  hasImagecache: boolean;
  supportsEvacuate: boolean;
  supportsMigrateToSameHost: boolean;
  supportsAttachInterface: boolean;
  supportsDeviceTagging: boolean;
  supportsTaggedAttachInterface: boolean;
  supportsTaggedAttachVolume: boolean;
  supportsExtendVolume: boolean;
  supportsMultiattach: boolean;
  supportsTrustedCerts: boolean;
  supportsPcpus: boolean;
  /** Nova's `supports_accelerators` (Cyborg accelerator requests). */
  supportsAccelerators: boolean;
  supportsBfvRescue: boolean;
  supportsVtpm: boolean;
  supportsSecureBoot: boolean;
  supportsSocketPciNumaAffinity: boolean;
  supportsRemoteManagedPorts: boolean;
  supportsAddressSpacePassthrough: boolean;
  supportsAddressSpaceEmulated: boolean;
  supportsStatelessFirmware: boolean;
  supportsVirtioFs: boolean;
  supportsMemBackingFile: boolean;
  supportsEphemeralEncryption: boolean;
  supportsEphemeralEncryptionLuks: boolean;
  supportsEphemeralEncryptionPlain: boolean;
  supportsImageTypeAki: boolean;
  supportsImageTypeAmi: boolean;
  supportsImageTypeAri: boolean;
  supportsImageTypeIso: boolean;
  supportsImageTypeQcow2: boolean;
  supportsImageTypeRaw: boolean;
  supportsImageTypeVdi: boolean;
  supportsImageTypeVhd: boolean;
  supportsImageTypeVhdx: boolean;
  supportsImageTypeVmdk: boolean;
  supportsImageTypePloop: boolean;
}

export type CapabilityName = keyof DriverCapabilities;

/** Nova's ComputeDriver.capabilities: a new driver starts here and switches on what it supports. */
export const DEFAULT_CAPABILITIES: Readonly<DriverCapabilities> = Object.freeze({
  hasImagecache: false,
  supportsEvacuate: false,
  supportsMigrateToSameHost: false,
  supportsAttachInterface: false,
  supportsDeviceTagging: false,
  supportsTaggedAttachInterface: false,
  supportsTaggedAttachVolume: false,
  supportsExtendVolume: false,
  supportsMultiattach: false,
  supportsTrustedCerts: false,
  supportsPcpus: false,
  supportsAccelerators: false,
  supportsBfvRescue: false,
  supportsVtpm: false,
  supportsSecureBoot: false,
  supportsSocketPciNumaAffinity: false,
  supportsRemoteManagedPorts: false,
  supportsAddressSpacePassthrough: false,
  supportsAddressSpaceEmulated: false,
  supportsStatelessFirmware: false,
  supportsVirtioFs: false,
  supportsMemBackingFile: false,
  supportsEphemeralEncryption: false,
  supportsEphemeralEncryptionLuks: false,
  supportsEphemeralEncryptionPlain: false,
  supportsImageTypeAki: false,
  supportsImageTypeAmi: false,
  supportsImageTypeAri: false,
  supportsImageTypeIso: false,
  supportsImageTypeQcow2: false,
  supportsImageTypeRaw: false,
  supportsImageTypeVdi: false,
  supportsImageTypeVhd: false,
  supportsImageTypeVhdx: false,
  supportsImageTypeVmdk: false,
  supportsImageTypePloop: false,
});

/**
 * Capabilities that are standard os-traits (Nova's CAPABILITY_TRAITS_MAP). Only these reach placement;
 * hasImagecache, supportsEvacuate, supportsPcpus and supportsVtpm are checked by the manager directly.
 */
export const CAPABILITY_TRAITS: Readonly<Partial<Record<CapabilityName, string>>> = Object.freeze({
  supportsAttachInterface: 'COMPUTE_NET_ATTACH_INTERFACE',
  supportsDeviceTagging: 'COMPUTE_DEVICE_TAGGING',
  supportsTaggedAttachInterface: 'COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG',
  supportsTaggedAttachVolume: 'COMPUTE_VOLUME_ATTACH_WITH_TAG',
  supportsExtendVolume: 'COMPUTE_VOLUME_EXTEND',
  supportsMultiattach: 'COMPUTE_VOLUME_MULTI_ATTACH',
  supportsTrustedCerts: 'COMPUTE_TRUSTED_CERTS',
  supportsAccelerators: 'COMPUTE_ACCELERATORS',
  supportsImageTypeAki: 'COMPUTE_IMAGE_TYPE_AKI',
  supportsImageTypeAmi: 'COMPUTE_IMAGE_TYPE_AMI',
  supportsImageTypeAri: 'COMPUTE_IMAGE_TYPE_ARI',
  supportsImageTypeIso: 'COMPUTE_IMAGE_TYPE_ISO',
  supportsImageTypeQcow2: 'COMPUTE_IMAGE_TYPE_QCOW2',
  supportsImageTypeRaw: 'COMPUTE_IMAGE_TYPE_RAW',
  supportsImageTypeVdi: 'COMPUTE_IMAGE_TYPE_VDI',
  supportsImageTypeVhd: 'COMPUTE_IMAGE_TYPE_VHD',
  supportsImageTypeVhdx: 'COMPUTE_IMAGE_TYPE_VHDX',
  supportsImageTypeVmdk: 'COMPUTE_IMAGE_TYPE_VMDK',
  supportsImageTypePloop: 'COMPUTE_IMAGE_TYPE_PLOOP',
  supportsMigrateToSameHost: 'COMPUTE_SAME_HOST_COLD_MIGRATE',
  supportsBfvRescue: 'COMPUTE_RESCUE_BFV',
  supportsSecureBoot: 'COMPUTE_SECURITY_UEFI_SECURE_BOOT',
  supportsSocketPciNumaAffinity: 'COMPUTE_SOCKET_PCI_NUMA_AFFINITY',
  supportsRemoteManagedPorts: 'COMPUTE_REMOTE_MANAGED_PORTS',
  supportsEphemeralEncryption: 'COMPUTE_EPHEMERAL_ENCRYPTION',
  supportsEphemeralEncryptionLuks: 'COMPUTE_EPHEMERAL_ENCRYPTION_LUKS',
  supportsEphemeralEncryptionPlain: 'COMPUTE_EPHEMERAL_ENCRYPTION_PLAIN',
  supportsAddressSpacePassthrough: 'COMPUTE_ADDRESS_SPACE_PASSTHROUGH',
  supportsAddressSpaceEmulated: 'COMPUTE_ADDRESS_SPACE_EMULATED',
  supportsStatelessFirmware: 'COMPUTE_SECURITY_STATELESS_FIRMWARE',
  supportsVirtioFs: 'COMPUTE_STORAGE_VIRTIO_FS',
  supportsMemBackingFile: 'COMPUTE_MEM_BACKING_FILE',
});

/**
 * The driver's capabilities keyed by trait (Nova's capabilities_as_traits). False entries are kept:
 * the resource tracker uses them to *remove* a trait a host no longer has. Image types named in
 * `imageTypeExcludeList` (Nova's [compute] image_type_exclude_list, e.g. ['qcow2']) report false.
 */
export function capabilitiesAsTraits(
  caps: DriverCapabilities,
  imageTypeExcludeList: readonly string[] = [],
): Record<string, boolean> {
  const traits: Record<string, boolean> = {};
  const isCapabilityName = (k: string): k is CapabilityName => Object.hasOwn(CAPABILITY_TRAITS, k);
  for (const cap of Object.keys(CAPABILITY_TRAITS).filter(isCapabilityName)) {
    const trait = CAPABILITY_TRAITS[cap];
    if (trait === undefined) continue;
    let supported = caps[cap];
    if (cap.startsWith('supportsImageType')) {
      const imageType = cap.slice('supportsImageType'.length).toLowerCase();
      supported = supported && !imageTypeExcludeList.includes(imageType);
    }
    traits[trait] = supported;
  }
  return traits;
}
