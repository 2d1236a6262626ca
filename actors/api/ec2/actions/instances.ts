/**
 * RunInstances, DescribeInstances and DescribeInstanceStatus. RunInstances builds the compute API's
 * create body and goes through the same createServer (flavor, image, key, quota checks, ComputeAPI,
 * cells) as POST /servers; tags from TagSpecification become server tags, a Name tag the server name.
 */
import { contextOf } from '../../compute/context.ts';
import { modelOf } from '../../compute/server-lookup.ts';
import { createServer } from '../../compute/server-create.ts';
import { ensureMapping } from '../../compute/servers.ts';
import type { ServerModel } from '../../compute/views/servers.ts';
import { Ec2Error, invalidParameter } from '../errors.ts';
import { ec2ImageId, ec2InstanceId } from '../ids.ts';
import { applyFilters, type FilterFields } from '../params.ts';
import { ec2StateName, ec2Tags, instanceItem, InstanceStateCode, stateOf, zoneOf } from '../views.ts';
import type { XmlValue } from '../xml.ts';
import { imageByEc2Id, visibleFlavors } from './images.ts';
import { serversByIds, serversOf } from './lookup.ts';
import { tagString, validateTags } from './tags.ts';
import type { Ec2Action, Ec2Context } from './types.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function reservation(c: Ec2Context, reservationId: string, models: ServerModel[]): { [key: string]: XmlValue } {
  return {
    reservationId, ownerId: c.caller.projectId, groupSet: [],
    instancesSet: models.map((m) => instanceItem(c.deps, m)),
  };
}

export const runInstances: Ec2Action = async (c) => {
  const p = c.params;
  const image = imageByEc2Id(c, p.required('ImageId'));
  const typeName = p.get('InstanceType') ?? 'm1.small';
  const flavor = visibleFlavors(c).find((f) => f.name === typeName);
  if (!flavor) throw invalidParameter(`Invalid value '${typeName}' for InstanceType.`);
  const min = p.int('MinCount', NaN, 1);
  const max = p.int('MaxCount', NaN, 1);
  if (Number.isNaN(min)) throw new Ec2Error('MissingParameter', 'The request must contain the parameter MinCount');
  if (Number.isNaN(max)) throw new Ec2Error('MissingParameter', 'The request must contain the parameter MaxCount');
  if (min > max) throw invalidParameter(`MinCount (${min}) must not be greater than MaxCount (${max})`);
  const keyName = p.get('KeyName');
  if (keyName !== undefined && !c.deps.store.keypairs.get(c.caller.userId, keyName)) {
    throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
  }
  const userData = p.get('UserData');
  if (userData !== undefined && (!BASE64.test(userData.replace(/\s/g, '')) || userData.replace(/\s/g, '').length % 4 !== 0)) {
    throw invalidParameter('Invalid BASE64 encoding of user data.');
  }
  for (const sg of [...p.list('SecurityGroup'), ...p.list('SecurityGroupId')]) {
    if (sg !== 'default') throw new Ec2Error('InvalidGroup.NotFound', `The security group '${sg}' does not exist`);
  }
  const tags = validateTags(p.tagSpecifications('instance'));
  const name = tags.find((t) => t.key === 'Name')?.value || 'ec2-instance';
  const zone = p.get('Placement.AvailabilityZone');
  const server: Record<string, unknown> = {
    name, imageRef: image.id, flavorRef: flavor.id, min_count: min, max_count: max,
    ...(keyName !== undefined ? { key_name: keyName } : {}),
    ...(userData !== undefined ? { user_data: userData } : {}),
    ...(zone ? { availability_zone: zone } : {}),
  };
  const made = await createServer(c.deps, c.request, { server });
  if (tags.length > 0) {
    for (const uuid of made.instanceUuids) {
      await ensureMapping(c.deps, uuid, c.caller.projectId, c.caller.userId);
      await c.deps.store.instances.patch(uuid, { tags: tags.map(tagString) });
    }
  }
  const ctx = contextOf(c.request);
  const models = await Promise.all(made.instanceUuids.map(async (uuid) => modelOf(c.deps, await c.deps.compute.get(uuid, ctx))));
  return reservation(c, made.reservationId, models);
};

function instanceFilter(c: Ec2Context): FilterFields<ServerModel> {
  const table = new Map<string, (m: ServerModel) => Array<string | undefined>>([
    ['instance-id', (m) => [ec2InstanceId(m.inst.uuid)]],
    ['instance-state-name', (m) => [stateOf(m).name]],
    ['instance-state-code', (m) => [String(stateOf(m).code)]],
    ['instance-type', (m) => [m.inst.flavor.name]],
    ['image-id', (m) => [ec2ImageId(m.inst.imageRef)]],
    ['key-name', (m) => [m.attrs.keyName ?? m.inst.keyName ?? undefined]],
    ['availability-zone', (m) => [zoneOf(c.deps, m)]],
    ['reservation-id', (m) => [m.inst.reservationId]],
    ['private-dns-name', (m) => [m.inst.hostname]],
    ['tag-key', (m) => ec2Tags(m).map((t) => t.key)],
    ['tag-value', (m) => ec2Tags(m).map((t) => t.value)],
  ]);
  return (name) => {
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      return (m) => ec2Tags(m).filter((t) => t.key === key).map((t) => t.value);
    }
    return table.get(name);
  };
}

export const describeInstances: Ec2Action = async (c) => {
  const all = await serversOf(c);
  const ids = c.params.list('InstanceId');
  const picked = ids.length > 0 ? await serversByIds(c, ids, all) : all;
  const kept = applyFilters(picked, c.params.filters(), instanceFilter(c));
  const byReservation = new Map<string, ServerModel[]>();
  for (const m of kept) {
    const list = byReservation.get(m.inst.reservationId) ?? [];
    list.push(m);
    byReservation.set(m.inst.reservationId, list);
  }
  return { reservationSet: [...byReservation].map(([rid, models]) => reservation(c, rid, models)) };
};

export const describeInstanceStatus: Ec2Action = async (c) => {
  const all = await serversOf(c);
  const ids = c.params.list('InstanceId');
  let picked = ids.length > 0 ? await serversByIds(c, ids, all) : all;
  if (!c.params.bool('IncludeAllInstances')) picked = picked.filter((m) => stateOf(m).code === InstanceStateCode.running);
  const items = picked.map((m) => {
    const running = ec2StateName(m.inst.vmState, m.inst.taskState, m.inst.deleted) === 'running';
    const status = running ? { status: 'ok', details: [{ name: 'reachability', status: 'passed' }] } : { status: 'not-applicable', details: [] };
    return {
      instanceId: ec2InstanceId(m.inst.uuid), availabilityZone: zoneOf(c.deps, m), eventsSet: [],
      instanceState: stateOf(m), systemStatus: status, instanceStatus: status,
    };
  });
  return { instanceStatusSet: items };
};
