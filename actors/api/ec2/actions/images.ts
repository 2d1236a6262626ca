/**
 * DescribeImages (the Glance images the caller may see, as AMIs) and DescribeInstanceTypes (the
 * flavors the caller may use, by name: an instance type is a flavor).
 */
import type { Flavor, Image } from '../../db/index.ts';
import { flavorVisibleTo } from '../../compute/flavor-access.ts';
import { imageVisibleTo } from '../../image/policy.ts';
import { Ec2Error } from '../errors.ts';
import { ec2ImageId, isEc2ImageId } from '../ids.ts';
import { applyFilters, filterTable } from '../params.ts';
import { ec2Time } from '../xml.ts';
import type { Ec2Action, Ec2Context } from './types.ts';

const IMAGE_STATE = new Map<string, string>([
  ['active', 'available'], ['queued', 'pending'], ['saving', 'pending'], ['uploading', 'pending'], ['importing', 'pending'],
  ['killed', 'failed'], ['deactivated', 'deregistered'], ['deleted', 'deregistered'], ['pending_delete', 'deregistered'],
]);

export function visibleImages(c: Ec2Context): Image[] {
  return c.deps.store.images.all().filter((img) => imageVisibleTo(img, c.caller));
}

/** The image an `ami-…` id names, visible to the caller; InvalidAMIID.* otherwise. */
export function imageByEc2Id(c: Ec2Context, id: string): Image {
  if (!isEc2ImageId(id)) throw new Ec2Error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
  const img = visibleImages(c).find((i) => ec2ImageId(i.id) === id);
  if (!img) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  return img;
}

function imageItem(img: Image) {
  return {
    imageId: ec2ImageId(img.id),
    imageLocation: img.name ?? img.id,
    imageState: IMAGE_STATE.get(img.status) ?? 'pending',
    imageOwnerId: img.owner ?? '',
    creationDate: ec2Time(img.createdAt),
    isPublic: img.visibility === 'public',
    architecture: img.properties['architecture'] ?? 'x86_64',
    imageType: 'machine',
    name: img.name ?? undefined,
    description: img.properties['description'],
    rootDeviceType: 'instance-store',
    rootDeviceName: '/dev/vda',
    blockDeviceMapping: [],
    virtualizationType: 'hvm',
    hypervisor: 'xen',
  };
}

export const describeImages: Ec2Action = async (c) => {
  const ids = c.params.list('ImageId');
  let images = ids.length > 0 ? ids.map((id) => imageByEc2Id(c, id)) : visibleImages(c);
  const owners = c.params.list('Owner');
  if (owners.length > 0) images = images.filter((i) => owners.some((o) => (o === 'self' ? i.owner === c.caller.projectId : i.owner === o)));
  const items = applyFilters(images.map(imageItem), c.params.filters(), filterTable(new Map([
    ['image-id', (i: ReturnType<typeof imageItem>) => [i.imageId]],
    ['name', (i: ReturnType<typeof imageItem>) => [i.name]],
    ['state', (i: ReturnType<typeof imageItem>) => [i.imageState]],
    ['is-public', (i: ReturnType<typeof imageItem>) => [String(i.isPublic)]],
    ['owner-id', (i: ReturnType<typeof imageItem>) => [i.imageOwnerId]],
    ['architecture', (i: ReturnType<typeof imageItem>) => [i.architecture]],
    ['image-type', (i: ReturnType<typeof imageItem>) => [i.imageType]],
  ])));
  return { imagesSet: items };
};

export function visibleFlavors(c: Ec2Context): Flavor[] {
  return c.deps.store.flavors.all().filter((f) => flavorVisibleTo(f, c.caller));
}

function typeItem(f: Flavor) {
  return {
    instanceType: f.name,
    currentGeneration: true,
    freeTierEligible: false,
    supportedUsageClasses: ['on-demand'],
    supportedRootDeviceTypes: ['instance-store'],
    supportedVirtualizationTypes: ['hvm'],
    bareMetal: false,
    hypervisor: 'xen',
    processorInfo: { supportedArchitectures: ['x86_64'] },
    vCpuInfo: { defaultVCpus: f.vcpus, defaultCores: f.vcpus, defaultThreadsPerCore: 1 },
    memoryInfo: { sizeInMiB: f.ram },
    instanceStorageSupported: f.disk + f.ephemeral > 0,
    ...(f.disk + f.ephemeral > 0 ? { instanceStorageInfo: { totalSizeInGB: f.disk + f.ephemeral } } : {}),
    ebsInfo: { ebsOptimizedSupport: 'unsupported', encryptionSupport: 'unsupported' },
    networkInfo: { networkPerformance: 'Moderate', maximumNetworkInterfaces: 1, ipv4AddressesPerInterface: 1, ipv6Supported: false },
    placementGroupInfo: { supportedStrategies: [] },
    hibernationSupported: false,
    burstablePerformanceSupported: false,
    dedicatedHostsSupported: false,
    autoRecoverySupported: false,
  };
}

export const describeInstanceTypes: Ec2Action = async (c) => {
  let flavors = visibleFlavors(c);
  const names = c.params.list('InstanceType');
  const missing = names.filter((n) => !flavors.some((f) => f.name === n));
  if (missing.length > 0) throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${missing.join(', ')}]`);
  if (names.length > 0) flavors = flavors.filter((f) => names.includes(f.name));
  const items = applyFilters(flavors.map(typeItem), c.params.filters(), filterTable(new Map([
    ['instance-type', (t: ReturnType<typeof typeItem>) => [t.instanceType]],
    ['vcpu-info.default-vcpus', (t: ReturnType<typeof typeItem>) => [String(t.vCpuInfo.defaultVCpus)]],
    ['memory-info.size-in-mib', (t: ReturnType<typeof typeItem>) => [String(t.memoryInfo.sizeInMiB)]],
  ])));
  return { instanceTypeSet: items };
};
