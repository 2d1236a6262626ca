/**
 * How a server looks in EC2: its instance state (code and name, from Nova's vm_state and task_state,
 * as nova/api/ec2/inst_state.py mapped them), the instance item of DescribeInstances/RunInstances,
 * and its tags (server tags "key=value" read as EC2 key/value pairs).
 */
import type { ComputeDeps } from '../compute/deps.ts';
import { fakeAddress, hasAddress } from '../compute/views/addresses.ts';
import { serverTags, type ServerModel } from '../compute/views/servers.ts';
import { ec2ImageId, ec2InstanceId } from './ids.ts';
import { ec2Time, type XmlValue } from './xml.ts';

export const InstanceStateCode = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 } as const;
export type InstanceStateName = keyof typeof InstanceStateCode;

export function ec2StateName(vmState: string, taskState: string | null, deleted = false): InstanceStateName {
  if (deleted || vmState === 'deleted' || vmState === 'soft-delete') return 'terminated';
  if (taskState === 'deleting') return 'shutting-down';
  switch (vmState) {
    case 'building':
      return 'pending';
    case 'active':
    case 'rescued':
    case 'resized':
      return taskState === 'powering-off' ? 'stopping' : 'running';
    case 'stopped':
    case 'paused':
    case 'suspended':
    case 'shelved':
    case 'shelved_offloaded':
      return taskState === 'powering-on' ? 'pending' : 'stopped';
    case 'error':
      // A launch that failed ends terminated in EC2 (stateReason Server.InternalError).
      return 'terminated';
    default:
      return 'pending';
  }
}

export function ec2State(name: InstanceStateName): { code: number; name: string } {
  return { code: InstanceStateCode[name], name };
}

export function stateOf(m: ServerModel): { code: number; name: string } {
  return ec2State(ec2StateName(m.inst.vmState, m.inst.taskState, m.inst.deleted));
}

/** Server tags as EC2 tags: "key=value", or a bare "key" with an empty value. */
export function ec2Tags(m: ServerModel): Array<{ key: string; value: string }> {
  return serverTags(m).map((t) => {
    const i = t.indexOf('=');
    return i < 0 ? { key: t, value: '' } : { key: t.slice(0, i), value: t.slice(i + 1) };
  });
}

export function zoneOf(deps: ComputeDeps, m: ServerModel): string {
  return m.inst.availabilityZone ?? deps.settings.defaultAvailabilityZone;
}

export function instanceItem(deps: ComputeDeps, m: ServerModel): { [key: string]: XmlValue } {
  const i = m.inst;
  const addr = hasAddress(m) ? fakeAddress(i.uuid).addr : undefined;
  const name = ec2StateName(i.vmState, i.taskState, i.deleted);
  const tags = ec2Tags(m);
  return {
    instanceId: ec2InstanceId(i.uuid),
    imageId: ec2ImageId(i.imageRef),
    instanceState: ec2State(name),
    privateDnsName: i.hostname,
    dnsName: '',
    reason: i.vmState === 'error' ? 'Server.InternalError' : '',
    keyName: m.attrs.keyName ?? i.keyName ?? undefined,
    amiLaunchIndex: i.launchIndex,
    productCodes: [],
    instanceType: i.flavor.name,
    launchTime: ec2Time(i.launchedAt ?? i.createdAt),
    placement: { availabilityZone: zoneOf(deps, m), groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    privateIpAddress: addr,
    groupSet: [{ groupId: 'default', groupName: 'default' }],
    ...(i.vmState === 'error' ? { stateReason: { code: 'Server.InternalError', message: 'Server.InternalError: Internal error on launch' } } : {}),
    architecture: 'x86_64',
    rootDeviceType: 'instance-store',
    rootDeviceName: '/dev/vda',
    blockDeviceMapping: [],
    virtualizationType: 'hvm',
    clientToken: '',
    ...(tags.length > 0 ? { tagSet: tags } : {}),
    hypervisor: 'xen',
    networkInterfaceSet: [],
    ebsOptimized: false,
  };
}
