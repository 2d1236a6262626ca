/**
 * The metadata service: both trees (EC2 and OpenStack) at every listed path, the version lists at
 * each root, content types, the signed proxy headers (a bad signature is 403, missing headers 400,
 * another tenant's instance 404), the TTL cache on the virtual clock and the one-time password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { createHttpServer, type HttpServer } from '../../../../../runtime/http/index.ts';
import { createLogger } from '../../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { instanceRecord, KEY, USER_DATA, UUID } from '../../../../support/instance-record.ts';
import { ec2ImageId, ec2InstanceId } from '../../../../../actors/api/ec2/index.ts';
import { EC2_VERSIONS, instanceIdSignature, MetadataService, OPENSTACK_VERSIONS } from '../../../../../actors/api/metadata/index.ts';

const SECRET = 'proxy-shared-secret';


let app: HttpServer;
const clock = new VirtualClock();
let reads = 0;
let record = instanceRecord();

beforeAll(async () => {
  app = createHttpServer({ log: createLogger({}, 'silent'), clock, rng: new SeededRng('md').stream('ids') });
  const service = new MetadataService({
    clock, sharedSecret: SECRET, cacheExpirationS: 15, defaultAvailabilityZone: 'nova',
    source: async (uuid) => {
      reads++;
      return uuid === UUID ? record : undefined;
    },
  });
  await app.register(async (s) => service.register(s));
});
afterAll(async () => {
  await app.close();
});

function signed(id = UUID, tenant = 'p1', sig = instanceIdSignature(SECRET, id)) {
  return { 'x-instance-id': id, 'x-tenant-id': tenant, 'x-instance-id-signature': sig };
}
const get = (url: string, headers: Record<string, string> = signed()) => app.inject({ method: 'GET', url, headers });

describe('EC2 tree', () => {
  it('root lists Nova\'s EC2 versions and latest; a version lists meta-data/ and user-data', async () => {
    const r = await get('/');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body.split('\n')).toEqual([...EC2_VERSIONS, 'latest']);
    expect((await get('/2009-04-04/')).body).toBe('meta-data/\nuser-data');
    expect((await get('/latest')).body).toBe('meta-data/\nuser-data');
    expect((await get('/2099-01-01/meta-data/')).statusCode).toBe(404);
  });

  it('meta-data/ lists every key, directories with a slash', async () => {
    const list = (await get('/latest/meta-data/')).body.split('\n');
    expect(list).toEqual(expect.arrayContaining([
      'ami-id', 'ami-launch-index', 'ami-manifest-path', 'block-device-mapping/', 'hostname', 'instance-action', 'instance-id',
      'instance-type', 'local-hostname', 'local-ipv4', 'placement/', 'public-hostname', 'public-ipv4', 'public-keys/', 'reservation-id',
      'security-groups',
    ]));
  });

  it.each([
    ['/latest/meta-data/instance-id', ec2InstanceId(UUID)],
    ['/2009-04-04/meta-data/instance-id', ec2InstanceId(UUID)],
    ['/latest/meta-data/hostname', 'web-1'],
    ['/latest/meta-data/local-hostname', 'web-1'],
    ['/latest/meta-data/instance-type', 'm1.tiny'],
    ['/latest/meta-data/ami-id', ec2ImageId('img-1')],
    ['/latest/meta-data/ami-launch-index', '0'],
    ['/latest/meta-data/reservation-id', 'r-0000abcd'],
    ['/latest/meta-data/security-groups', 'default'],
    ['/latest/meta-data/placement/', 'availability-zone'],
    ['/latest/meta-data/placement/availability-zone', 'az1'],
    ['/latest/meta-data/block-device-mapping/', 'ami\nroot'],
    ['/latest/meta-data/block-device-mapping/root', '/dev/vda'],
    ['/latest/meta-data/public-keys/', '0=k1'],
    ['/latest/meta-data/public-keys/0/', 'openssh-key'],
    ['/latest/meta-data/public-keys/0/openssh-key', KEY],
  ])('GET %s', async (path, want) => {
    const r = await get(path);
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe(want);
  });

  it('local-ipv4 is an IPv4 address; user-data is the decoded script, as bytes', async () => {
    expect((await get('/latest/meta-data/local-ipv4')).body).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const u = await get('/latest/user-data');
    expect(u.headers['content-type']).toBe('application/octet-stream');
    expect(u.body).toBe(USER_DATA);
    expect((await get('/latest/meta-data/nope')).statusCode).toBe(404);
  });
});

describe('OpenStack tree', () => {
  it('lists Nova\'s OpenStack versions; a version lists its files', async () => {
    expect((await get('/openstack')).body.split('\n')).toEqual([...OPENSTACK_VERSIONS, 'latest']);
    expect((await get('/openstack/latest')).body.split('\n')).toEqual([
      'meta_data.json', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json', 'user_data',
    ]);
    expect((await get('/openstack/2012-08-10')).body.split('\n')).toEqual(['meta_data.json', 'password', 'vendor_data.json', 'user_data']);
  });

  it('meta_data.json carries uuid, hostname, name, zone, project, meta, keys and a random seed', async () => {
    const r = await get('/openstack/latest/meta_data.json');
    expect(r.headers['content-type']).toContain('application/json');
    const md = r.json();
    expect(md).toMatchObject({
      uuid: UUID, hostname: 'web-1', name: 'web 1', availability_zone: 'az1', project_id: 'p1', launch_index: 0,
      meta: { role: 'web' }, public_keys: { k1: KEY }, keys: [{ name: 'k1', type: 'ssh', data: KEY }], devices: [],
    });
    expect(Buffer.from(md.random_seed, 'base64')).toHaveLength(512);
  });

  it('network_data.json, vendor_data.json, vendor_data2.json, user_data', async () => {
    const n = (await get('/openstack/latest/network_data.json')).json();
    expect(n.links[0]).toMatchObject({ type: 'phy', ethernet_mac_address: expect.stringMatching(/^fa:16:3e:/) });
    expect(n.networks[0]).toMatchObject({ type: 'ipv4_dhcp', link: n.links[0].id });
    expect((await get('/openstack/latest/vendor_data.json')).json()).toEqual({});
    expect((await get('/openstack/latest/vendor_data2.json')).json()).toEqual({});
    expect((await get('/openstack/2013-04-04/network_data.json')).statusCode).toBe(404);
    expect((await get('/openstack/latest/user_data')).body).toBe(USER_DATA);
  });

  it('password: empty, set once by POST, a second POST is 409', async () => {
    expect((await get('/openstack/latest/password')).body).toBe('');
    const post = (body: string) => app.inject({ method: 'POST', url: '/openstack/latest/password', headers: { ...signed(), 'content-type': 'text/plain' }, payload: body });
    expect((await post('s3cret')).statusCode).toBe(200);
    expect((await get('/openstack/latest/password')).body).toBe('s3cret');
    expect((await post('again')).statusCode).toBe(409);
    expect((await post('x'.repeat(300))).statusCode).toBe(400);
  });
});

describe('who is asking', () => {
  it('a bad signature is 403, also for a valid instance', async () => {
    const r = await get('/latest/meta-data/instance-id', signed(UUID, 'p1', instanceIdSignature('wrong-secret', UUID)));
    expect(r.statusCode).toBe(403);
    expect(r.body).toContain('Invalid proxy request signature.');
    expect((await get('/latest/meta-data/instance-id', signed(UUID, 'p1', 'zz'))).statusCode).toBe(403);
  });
  it('missing headers are 400; another tenant or an unknown instance 404', async () => {
    expect((await app.inject({ method: 'GET', url: '/latest/meta-data/' })).statusCode).toBe(400);
    expect((await get('/', { 'x-instance-id': UUID, 'x-instance-id-signature': instanceIdSignature(SECRET, UUID) })).statusCode).toBe(400);
    expect((await get('/latest/meta-data/', signed(UUID, 'p2'))).statusCode).toBe(404);
    const other = '00000000-0000-4000-8000-000000000000';
    expect((await get('/latest/meta-data/', signed(other))).statusCode).toBe(404);
  });
});

describe('cache', () => {
  it('reads the instance once per metadata_cache_expiration, again after', async () => {
    await clock.advance(60_000);
    const before = reads;
    await get('/latest/meta-data/hostname');
    await get('/latest/meta-data/hostname');
    expect(reads - before).toBe(1);
    record = instanceRecord({ hostname: 'renamed' });
    expect((await get('/latest/meta-data/hostname')).body).toBe('web-1');
    await clock.advance(15_001);
    expect((await get('/latest/meta-data/hostname')).body).toBe('renamed');
    expect(reads - before).toBe(2);
  });
});
