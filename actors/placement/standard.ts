/**
 * Placement's standard names: the os-resource-classes list (in placement's id order) and a set of
 * os-traits standard traits (the compute capabilities our drivers report, CPU flags, storage and
 * status traits). Custom names must match CUSTOM_[A-Z0-9_]+ as placement requires.
 */
import { CAPABILITY_TRAITS } from '../compute/drivers/capabilities.ts';

export const STANDARD_RESOURCE_CLASSES: readonly string[] = [
  'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD',
  'NUMA_MEMORY_MB', 'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC',
  'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU', 'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU',
  'NET_PACKET_RATE_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
];

const OTHER_STANDARD_TRAITS = [
  'COMPUTE_STATUS_DISABLED', 'COMPUTE_NODE', 'COMPUTE_ARCH_X86_64', 'COMPUTE_ARCH_AARCH64',
  'HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE', 'HW_CPU_X86_SSE2', 'HW_CPU_X86_SSE41', 'HW_CPU_X86_SSE42',
  'HW_CPU_X86_AESNI', 'HW_CPU_X86_VMX', 'HW_CPU_X86_SVM', 'HW_CPU_HYPERTHREADING', 'HW_NIC_SRIOV',
  'HW_GPU_API_VULKAN', 'STORAGE_DISK_SSD', 'STORAGE_DISK_HDD', 'MISC_SHARES_VIA_AGGREGATE',
  'COMPUTE_GRAPHICS_MODEL_VGA', 'COMPUTE_GRAPHICS_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_E1000',
  'COMPUTE_STORAGE_BUS_VIRTIO', 'COMPUTE_STORAGE_BUS_IDE', 'COMPUTE_STORAGE_BUS_SCSI', 'COMPUTE_STORAGE_BUS_USB',
  'COMPUTE_FIRMWARE_BIOS', 'COMPUTE_FIRMWARE_UEFI',
];

export const STANDARD_TRAITS: ReadonlySet<string> = new Set([...Object.values(CAPABILITY_TRAITS), ...OTHER_STANDARD_TRAITS].filter((t): t is string => !!t));

export const STANDARD_RC_SET: ReadonlySet<string> = new Set(STANDARD_RESOURCE_CLASSES);

const CUSTOM_NAME = /^CUSTOM_[A-Z0-9_]+$/;

/** Is this a well-formed custom name (CUSTOM_ + upper-case letters, digits, underscores; ≤ 255)? */
export function isCustomName(name: string): boolean {
  return name.length <= 255 && CUSTOM_NAME.test(name);
}
