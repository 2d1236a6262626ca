/**
 * The EC2 Query API on the API app (FakeCells behind the ComputeAPI): each action's XML shape in the
 * 2016-11-15 namespace with its requestId, the errors EC2 gives (AuthFailure, InvalidAction,
 * MissingParameter, InvalidParameterValue, InvalidInstanceID.*, InvalidAMIID.NotFound,
 * InvalidKeyPair.*) with their HTTP codes, and that what EC2 does shows in the compute API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2ImageId, ec2InstanceId } from '../../../../../actors/api/ec2/index.ts';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';
import { signedPost, type Ec2Keys } from '../../../../support/ec2-signer.ts';

let fx: ApiFixture;
let keys: Ec2Keys;
let altKeys: Ec2Keys;
const HOST = 'cloud.test:8774';
const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';

async function ec2(action: string, params: Record<string, string> = {}, k: Ec2Keys = keys) {
  const { body, headers } = signedPost(k, { Action: action, Version: '2016-11-15', ...params }, { host: HOST, path: '/ec2', nowMs: fx.clock.now() });
  const res = await fx.app.inject({ method: 'POST', url: '/ec2', headers, payload: body });
  return { status: res.statusCode, xml: res.body, type: String(res.headers['content-type']) };
}

/** Text of every <tag> element, in order. */
function all(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
}
const one = (xml: string, tag: string) => all(xml, tag)[0];

async function credentials(as: 'demo' | 'alt'): Promise<Ec2Keys> {
  const user = fx.plan.users.find((u) => u.name === (as === 'demo' ? 'demo' : 'alt_demo'))!.id;
  const res = await fx.call('POST', `/identity/v3/users/${user}/credentials/OS-EC2`, { as, body: { tenant_id: fx.project[as] } });
  const c = res.json().credential;
  return { access: c.access, secret: c.secret };
}

let imageId: string;

beforeAll(async () => {
  fx = await apiFixture();
  keys = await credentials('demo');
  altKeys = await credentials('alt');
  const img = fx.store.images.all().find((i) => i.status === 'active' && i.visibility === 'public')!;
  imageId = ec2ImageId(img.id);
});
afterAll(async () => {
  await fx.close();
});

describe('authentication and dispatch', () => {
  it('a wrong secret is AuthFailure (401) in EC2 error XML', async () => {
    const r = await ec2('DescribeRegions', {}, { access: keys.access, secret: 'wrong' });
    expect(r.status).toBe(401);
    expect(r.type).toContain('text/xml');
    expect(one(r.xml, 'Code')).toBe('AuthFailure');
    expect(r.xml).toMatch(/<Response><Errors><Error><Code>AuthFailure<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>/);
  });
  it('an unknown access key is AuthFailure too; no signature is MissingAuthenticationToken', async () => {
    expect(one((await ec2('DescribeRegions', {}, { access: 'nope', secret: 'x' })).xml, 'Code')).toBe('AuthFailure');
    const res = await fx.app.inject({ method: 'GET', url: '/ec2?Action=DescribeRegions&Version=2016-11-15' });
    expect(res.statusCode).toBe(401);
    expect(one(res.body, 'Code')).toBe('MissingAuthenticationToken');
  });
  it('any body type is read as bytes: a JSON or broken body gets EC2 XML, never a JSON 415 or a 500', async () => {
    for (const [type, payload] of [['application/json', '{"Action":'], ['application/x-www-form-urlencoded', '%%%&=='], ['text/plain', '\u0000']]) {
      const res = await fx.app.inject({ method: 'POST', url: '/ec2/', headers: { 'content-type': type! }, payload });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('text/xml');
      expect(one(res.body, 'Code')).toBe('MissingAuthenticationToken');
    }
    expect((await fx.app.inject({ method: 'GET', url: '/ec2/nowhere' })).headers['content-type']).toContain('text/xml');
  });
  it('an unknown action is InvalidAction (400); a missing one MissingAction', async () => {
    const r = await ec2('LaunchRockets');
    expect(r.status).toBe(400);
    expect(one(r.xml, 'Code')).toBe('InvalidAction');
    const proto = await ec2('__proto__');
    expect(one(proto.xml, 'Code')).toBe('InvalidAction');
  });
  it('a deleted credential stops working', async () => {
    const k = await credentials('demo');
    expect((await ec2('DescribeRegions', {}, k)).status).toBe(200);
    const user = fx.plan.users.find((u) => u.name === 'demo')!.id;
    await fx.call('DELETE', `/identity/v3/users/${user}/credentials/OS-EC2/${k.access}`);
    expect(one((await ec2('DescribeRegions', {}, k)).xml, 'Code')).toBe('AuthFailure');
  });
});

describe('regions, zones, images, instance types', () => {
  it('DescribeRegions', async () => {
    const r = await ec2('DescribeRegions');
    expect(r.status).toBe(200);
    expect(r.xml).toContain(`<DescribeRegionsResponse ${NS}><requestId>`);
    expect(r.xml).toMatch(/<regionInfo><item><regionName>RegionOne<\/regionName><regionEndpoint>http:\/\/cloud.test:8774\/ec2<\/regionEndpoint>/);
  });
  it('DescribeAvailabilityZones', async () => {
    const r = await ec2('DescribeAvailabilityZones');
    expect(r.xml).toContain('<availabilityZoneInfo><item><zoneState>available</zoneState>');
    expect(all(r.xml, 'zoneName')).toContain('nova');
    expect(one((await ec2('DescribeAvailabilityZones', { 'ZoneName.1': 'atlantis' })).xml, 'Code')).toBe('InvalidParameterValue');
  });
  it('DescribeImages: AMIs with stable ids; an unknown id is InvalidAMIID.NotFound', async () => {
    const r = await ec2('DescribeImages');
    expect(all(r.xml, 'imageId')).toContain(imageId);
    expect(r.xml).toContain('<imageState>available</imageState>');
    const by = await ec2('DescribeImages', { 'ImageId.1': imageId });
    expect(all(by.xml, 'imageId')).toEqual([imageId]);
    expect(one((await ec2('DescribeImages', { 'ImageId.1': 'ami-00000000000000000' })).xml, 'Code')).toBe('InvalidAMIID.NotFound');
    const filtered = await ec2('DescribeImages', { 'Filter.1.Name': 'image-id', 'Filter.1.Value.1': imageId });
    expect(all(filtered.xml, 'imageId')).toEqual([imageId]);
    expect(one((await ec2('DescribeImages', { 'Filter.1.Name': 'bogus', 'Filter.1.Value.1': 'x' })).xml, 'Code')).toBe('InvalidParameterValue');
  });
  it('DescribeInstanceTypes: flavors by name', async () => {
    const r = await ec2('DescribeInstanceTypes', { 'InstanceType.1': 'm1.tiny' });
    expect(r.xml).toMatch(/<instanceTypeSet><item><instanceType>m1.tiny<\/instanceType>/);
    expect(r.xml).toMatch(/<vCpuInfo><defaultVCpus>1<\/defaultVCpus>/);
    expect(r.xml).toContain('<memoryInfo><sizeInMiB>512</sizeInMiB></memoryInfo>');
    expect(one((await ec2('DescribeInstanceTypes', { 'InstanceType.1': 'x9.huge' })).xml, 'Code')).toBe('InvalidInstanceType');
  });
});

describe('key pairs', () => {
  it('create, duplicate, import, describe, delete', async () => {
    const c = await ec2('CreateKeyPair', { KeyName: 'k1' });
    expect(c.xml).toContain(`<CreateKeyPairResponse ${NS}>`);
    expect(one(c.xml, 'keyName')).toBe('k1');
    expect(one(c.xml, 'keyMaterial')).toContain('PRIVATE KEY');
    expect(one(c.xml, 'keyPairId')).toMatch(/^key-[0-9a-f]{17}$/);
    expect(one((await ec2('CreateKeyPair', { KeyName: 'k1' })).xml, 'Code')).toBe('InvalidKeyPair.Duplicate');
    const pub = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCJ/i2+4nuqxtY9XNpgF89Qs4OY/q1rJoQyaY7FxAHAdmTUFhlq6QdWBzpDYfvOeNPufP4+mmgsm8jSGO6NIHfp0g6Dc8D9BTg1kLpYMx2UHK3C86fhdlKaB5Q== test';
    const i = await ec2('ImportKeyPair', { KeyName: 'imported', PublicKeyMaterial: Buffer.from(pub).toString('base64') });
    expect(i.status).toBe(200);
    expect(one(i.xml, 'keyFingerprint')).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(one((await ec2('ImportKeyPair', { KeyName: 'bad', PublicKeyMaterial: Buffer.from('nonsense').toString('base64') })).xml, 'Code')).toBe('InvalidKey.Format');
    const d = await ec2('DescribeKeyPairs');
    expect(all(d.xml, 'keyName').sort()).toEqual(['imported', 'k1']);
    expect((await fx.call('GET', '/compute/v2.1/os-keypairs')).json().keypairs.map((k: { keypair: { name: string } }) => k.keypair.name).sort()).toEqual(['imported', 'k1']);
    expect(one((await ec2('DescribeKeyPairs', { 'KeyName.1': 'nope' })).xml, 'Code')).toBe('InvalidKeyPair.NotFound');
    expect(all((await ec2('DescribeKeyPairs', {}, altKeys)).xml, 'keyName')).toEqual([]);
    expect(one((await ec2('DeleteKeyPair', { KeyName: 'imported' })).xml, 'return')).toBe('true');
    expect(all((await ec2('DescribeKeyPairs')).xml, 'keyName')).toEqual(['k1']);
  });
});

describe('instances', () => {
  let ids: string[] = [];

  it('RunInstances makes servers through the compute API, with key, user data and Name tag', async () => {
    const r = await ec2('RunInstances', {
      ImageId: imageId, InstanceType: 'm1.tiny', MinCount: '2', MaxCount: '2', KeyName: 'k1',
      UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
      'TagSpecification.1.ResourceType': 'instance', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': 'web',
    });
    expect(r.status).toBe(200);
    expect(r.xml).toContain(`<RunInstancesResponse ${NS}><requestId>`);
    expect(one(r.xml, 'reservationId')).toMatch(/^r-[0-9a-f]{8}$/);
    ids = all(r.xml, 'instanceId');
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(all(r.xml, 'keyName')).toEqual(['k1', 'k1']);
    expect(all(r.xml, 'instanceType')).toEqual(['m1.tiny', 'm1.tiny']);
    const servers = (await fx.call('GET', '/compute/v2.1/servers/detail')).json().servers as Array<{ id: string; name: string; key_name: string; tags?: string[] }>;
    const mine = servers.filter((s) => ids.includes(ec2InstanceId(s.id)));
    expect(mine.map((s) => s.name).sort()).toEqual(['web-1', 'web-2']);
    expect(mine.every((s) => s.key_name === 'k1')).toBe(true);
  });

  it('RunInstances errors: missing ImageId, unknown AMI, bad type, unknown key, bad user data', async () => {
    const base = { ImageId: imageId, InstanceType: 'm1.tiny', MinCount: '1', MaxCount: '1' };
    const code = async (p: Record<string, string>) => one((await ec2('RunInstances', p)).xml, 'Code');
    expect(await code({ ...base, ImageId: '' })).toBe('MissingParameter');
    expect(await code({ ...base, ImageId: 'ami-0123456789abcdef0' })).toBe('InvalidAMIID.NotFound');
    expect(await code({ ...base, ImageId: 'img-1' })).toBe('InvalidAMIID.Malformed');
    expect(await code({ ...base, InstanceType: 'z1.none' })).toBe('InvalidParameterValue');
    expect(await code({ ...base, KeyName: 'nokey' })).toBe('InvalidKeyPair.NotFound');
    expect(await code({ ...base, UserData: '***' })).toBe('InvalidParameterValue');
    expect(await code({ ...base, MinCount: '3', MaxCount: '2' })).toBe('InvalidParameterValue');
  });

  it('DescribeInstances: reservations, states with EC2 codes, ids and filters', async () => {
    const r = await ec2('DescribeInstances');
    expect(r.xml).toContain(`<DescribeInstancesResponse ${NS}>`);
    expect(r.xml).toContain('<reservationSet><item><reservationId>');
    expect(r.xml).toContain('<instanceState><code>16</code><name>running</name></instanceState>');
    expect(all(r.xml, 'instanceId')).toEqual(expect.arrayContaining(ids));
    const by = await ec2('DescribeInstances', { 'InstanceId.1': ids[0]! });
    expect(all(by.xml, 'instanceId')).toEqual([ids[0]]);
    const f = await ec2('DescribeInstances', { 'Filter.1.Name': 'tag:Name', 'Filter.1.Value.1': 'w*' });
    expect(all(f.xml, 'instanceId').sort()).toEqual([...ids].sort());
    const none = await ec2('DescribeInstances', { 'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': 'stopped' });
    expect(all(none.xml, 'instanceId')).toEqual([]);
    expect(one((await ec2('DescribeInstances', { 'InstanceId.1': 'i-00000000000000000' })).xml, 'Code')).toBe('InvalidInstanceID.NotFound');
    expect(one((await ec2('DescribeInstances', { 'InstanceId.1': 'vm-1' })).xml, 'Code')).toBe('InvalidInstanceID.Malformed');
    // another project does not see them
    expect(one((await ec2('DescribeInstances', { 'InstanceId.1': ids[0]! }, altKeys)).xml, 'Code')).toBe('InvalidInstanceID.NotFound');
  });

  it('Stop, Start, Reboot with previous and current states; stop shows as 80 stopped', async () => {
    const s = await ec2('StopInstances', { 'InstanceId.1': ids[0]! });
    expect(s.xml).toContain(`<StopInstancesResponse ${NS}>`);
    expect(s.xml).toContain('<currentState><code>64</code><name>stopping</name></currentState><previousState><code>16</code><name>running</name></previousState>');
    const d = await ec2('DescribeInstances', { 'InstanceId.1': ids[0]! });
    expect(d.xml).toContain('<instanceState><code>80</code><name>stopped</name></instanceState>');
    const st = await ec2('DescribeInstanceStatus', { 'InstanceId.1': ids[0]!, IncludeAllInstances: 'true' });
    expect(st.xml).toContain('<instanceStatus><status>not-applicable</status>');
    const start = await ec2('StartInstances', { 'InstanceId.1': ids[0]! });
    expect(start.xml).toContain('<currentState><code>0</code><name>pending</name></currentState><previousState><code>80</code><name>stopped</name></previousState>');
    expect(one((await ec2('RebootInstances', { 'InstanceId.1': ids[0]! })).xml, 'return')).toBe('true');
    const actions = (await fx.call('GET', `/compute/v2.1/servers/${await uuidOf(ids[0]!)}/os-instance-actions`)).json().instanceActions as Array<{ action: string }>;
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['stop', 'start', 'reboot']));
    const status = await ec2('DescribeInstanceStatus');
    expect(all(status.xml, 'instanceId')).toEqual(expect.arrayContaining(ids));
    expect(status.xml).toContain('<systemStatus><status>ok</status><details><item><name>reachability</name><status>passed</status></item></details></systemStatus>');
    expect(one((await ec2('StopInstances', {})).xml, 'Code')).toBe('MissingParameter');
  });

  it('GetConsoleOutput is base64 of the guest console', async () => {
    const r = await ec2('GetConsoleOutput', { InstanceId: ids[0]! });
    expect(one(r.xml, 'instanceId')).toBe(ids[0]);
    const out = one(r.xml, 'output')!;
    expect(Buffer.from(out, 'base64').toString('base64')).toBe(out);
  });

  it('CreateTags / DescribeTags / DeleteTags are the server tags', async () => {
    expect(one((await ec2('CreateTags', { 'ResourceId.1': ids[1]!, 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod', 'Tag.2.Key': 'solo' })).xml, 'return')).toBe('true');
    const server = (await fx.call('GET', `/compute/v2.1/servers/${(await uuidOf(ids[1]!))}/tags`, { version: '2.26' })).json();
    expect(server.tags.sort()).toEqual(['Name=web', 'env=prod', 'solo']);
    const t = await ec2('DescribeTags', { 'Filter.1.Name': 'resource-id', 'Filter.1.Value.1': ids[1]! });
    expect(t.xml).toContain(`<item><resourceId>${ids[1]}</resourceId><resourceType>instance</resourceType><key>env</key><value>prod</value></item>`);
    await ec2('DeleteTags', { 'ResourceId.1': ids[1]!, 'Tag.1.Key': 'env' });
    const after = await ec2('DescribeTags', { 'Filter.1.Name': 'resource-id', 'Filter.1.Value.1': ids[1]! });
    expect(all(after.xml, 'key').sort()).toEqual(['Name', 'solo']);
    expect(one((await ec2('CreateTags', { 'ResourceId.1': ids[1]!, 'Tag.1.Key': 'a=b', 'Tag.1.Value': 'c' })).xml, 'Code')).toBe('InvalidParameterValue');
    expect(one((await ec2('CreateTags', { 'ResourceId.1': 'i-00000000000000000', 'Tag.1.Key': 'a' })).xml, 'Code')).toBe('InvalidInstanceID.NotFound');
  });

  it('TerminateInstances deletes the servers', async () => {
    const r = await ec2('TerminateInstances', { 'InstanceId.1': ids[0]!, 'InstanceId.2': ids[1]! });
    expect(r.xml).toContain('<currentState><code>32</code><name>shutting-down</name></currentState>');
    const servers = (await fx.call('GET', '/compute/v2.1/servers')).json().servers as Array<{ id: string }>;
    expect(servers.filter((s) => ids.includes(ec2InstanceId(s.id)))).toEqual([]);
  });
});

async function uuidOf(ec2Id: string): Promise<string> {
  const servers = (await fx.call('GET', '/compute/v2.1/servers')).json().servers as Array<{ id: string }>;
  return servers.find((s) => ec2InstanceId(s.id) === ec2Id)!.id;
}
