/**
 * End to end with the Debian `awscli` (/usr/bin/aws) against `novacell up` (quickstart, fake hosts):
 * EC2 credentials from `openstack ec2 credentials create`, then the EC2 commands an operator would
 * run — regions, zones, images, a key pair, two instances with user data, their whole life — a wrong
 * secret (AuthFailure), an unknown action signed by awscli's own botocore (InvalidAction), and the
 * instances seen by `openstack server list` too. Skipped, saying so in its name, without the binaries.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovacellProcess } from '../support/novacell-process.ts';
import { findOpenstackCli, openstackCli } from '../support/openstack-cli.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const QUICKSTART = join(ROOT, 'topology', 'examples', 'quickstart.yaml');
const AWS = '/usr/bin/aws';
const OPENSTACK = findOpenstackCli();
const READY = existsSync(AWS) && !!OPENSTACK;
const TITLE = READY
  ? 'awscli against novacell up: the EC2 API'
  : 'awscli against novacell up: the EC2 API (SKIPPED: apt-get install -y awscli python3-openstackclient)';

/** A Query API request with an action awscli has no command for, signed by awscli's botocore. */
const UNKNOWN_ACTION_PY = `
import sys, urllib.request, urllib.error
import awscli.botocore.session
from awscli.botocore.auth import SigV4Auth
from awscli.botocore.awsrequest import AWSRequest
from awscli.botocore.credentials import Credentials
url, ak, sk = sys.argv[1:4]
req = AWSRequest(method='POST', url=url, data='Action=LaunchRockets&Version=2016-11-15',
                 headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
SigV4Auth(Credentials(ak, sk), 'ec2', 'RegionOne').add_auth(req)
p = req.prepare()
try:
    r = urllib.request.urlopen(urllib.request.Request(p.url, data=p.body.encode() if isinstance(p.body, str) else p.body, headers=dict(p.headers), method='POST'))
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`;

describe.skipIf(!READY)(TITLE, () => {
  let dir: string;
  let up: NovacellProcess;
  let url: string;
  let env: Record<string, string>;
  const creds = { access: '', secret: '' };

  const { json } = openstackCli({
    cli: OPENSTACK!, home: () => dir, cloudsYaml: () => join(dir, 'clouds.yaml'), cloud: 'novacell-demo', timeoutMs: 90_000, log: () => up?.stdout(),
  });

  async function aws(args: string[], secret = creds.secret): Promise<any> {
    const { stdout } = await run(AWS, ['--endpoint-url', `${url}/ec2`, '--output', 'json', 'ec2', ...args], {
      env: { ...env, AWS_ACCESS_KEY_ID: creds.access, AWS_SECRET_ACCESS_KEY: secret }, timeout: 90_000,
    });
    return stdout.trim() ? JSON.parse(stdout) : {};
  }

  async function states(ids: string[]): Promise<string[]> {
    const d = await aws(['describe-instances', '--instance-ids', ...ids]);
    return d.Reservations.flatMap((r: any) => r.Instances.map((i: any) => i.State.Name));
  }

  async function until(ids: string[], state: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await states(ids)).every((s) => s === state)) {
      if (Date.now() > deadline) throw new Error(`instances ${ids.join(', ')} never reached ${state}: ${(await states(ids)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'novacell-ec2-'));
    env = { PATH: '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', AWS_DEFAULT_REGION: 'RegionOne', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
    up = new NovacellProcess('up', ['up', QUICKSTART, '--data-dir', dir, '--api-listen', '127.0.0.1:0', '--broker-base-port', '0'], join(dir, 'up.log'));
    await up.waitFor(/novacell is up/, 120_000);
    url = /API (http:\/\/\S+)/.exec(up.stdout())![1]!;
    const c = await json<{ access: string; secret: string }>('ec2', 'credentials', 'create');
    creds.access = c.access;
    creds.secret = c.secret;
  }, 180_000);

  afterAll(async () => {
    await up?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('describe-regions, describe-availability-zones, describe-images', async () => {
    expect((await aws(['describe-regions'])).Regions).toEqual([expect.objectContaining({ RegionName: 'RegionOne', Endpoint: `${url}/ec2` })]);
    expect((await aws(['describe-availability-zones'])).AvailabilityZones.map((z: any) => z.ZoneName)).toContain('nova');
    const images = (await aws(['describe-images'])).Images;
    expect(images).toContainEqual(expect.objectContaining({ Name: 'cirros-0.6.2-x86_64-disk', State: 'available', ImageId: expect.stringMatching(/^ami-[0-9a-f]{17}$/) }));
  }, 120_000);

  it('a key pair, two instances with user data, their life, tags, and the same servers in openstack server list', async () => {
    const key = await aws(['create-key-pair', '--key-name', 'ec2key']);
    expect(key.KeyMaterial).toContain('BEGIN RSA PRIVATE KEY');
    const ami = (await aws(['describe-images'])).Images[0].ImageId as string;
    const ran = await aws(['run-instances', '--image-id', ami, '--instance-type', 'm1.tiny', '--count', '2', '--key-name', 'ec2key',
      '--user-data', '#!/bin/sh\necho EC2-MARKER']);
    const ids = ran.Instances.map((i: any) => i.InstanceId) as string[];
    expect(ids).toHaveLength(2);
    await until(ids, 'running');

    const servers = await json<Array<{ ID: string; Name: string; Status: string }>>('server', 'list');
    const ec2Servers = servers.filter((s) => s.Name.startsWith('ec2-instance'));
    expect(ec2Servers).toHaveLength(2);
    expect(ec2Servers.every((s) => s.Status === 'ACTIVE')).toBe(true);
    const show = await json<{ key_name: string; project_id: string }>('server', 'show', ec2Servers[0]!.ID);
    expect(show.key_name).toBe('ec2key');

    // nova-api-metadata of the same `up` answers for the instance, from its cell's record.
    const mdUrl = /metadata (http:\/\/\S+)/.exec(up.stdout())![1]!;
    const secret = readFileSync(join(dir, 'metadata-proxy-shared-secret'), 'utf8').trim();
    const uuid = ec2Servers[0]!.ID;
    const headers = { 'X-Instance-ID': uuid, 'X-Tenant-ID': show.project_id, 'X-Instance-ID-Signature': createHmac('sha256', secret).update(uuid).digest('hex') };
    const md = await (await fetch(`${mdUrl}/openstack/latest/meta_data.json`, { headers })).json() as { uuid: string; keys: Array<{ name: string }> };
    expect(md.uuid).toBe(uuid);
    expect(md.keys[0]!.name).toBe('ec2key');
    expect(await (await fetch(`${mdUrl}/latest/user-data`, { headers })).text()).toBe('#!/bin/sh\necho EC2-MARKER');
    expect((await fetch(`${mdUrl}/latest/meta-data/`, { headers: { ...headers, 'X-Instance-ID-Signature': '0'.repeat(64) } })).status).toBe(403);

    const console = await aws(['get-console-output', '--instance-id', ids[0]!]);
    expect(console.Output).toContain('login:');

    const stop = await aws(['stop-instances', '--instance-ids', ids[0]!]);
    expect(stop.StoppingInstances[0]).toMatchObject({ CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } });
    await until([ids[0]!], 'stopped');
    const start = await aws(['start-instances', '--instance-ids', ids[0]!]);
    expect(start.StartingInstances[0].PreviousState).toEqual({ Code: 80, Name: 'stopped' });
    await until([ids[0]!], 'running');
    await aws(['reboot-instances', '--instance-ids', ids[0]!]);

    await aws(['create-tags', '--resources', ids[1]!, '--tags', 'Key=env,Value=prod']);
    const tags = await aws(['describe-tags', '--filters', `Name=resource-id,Values=${ids[1]}`]);
    expect(tags.Tags).toEqual([{ Key: 'env', ResourceId: ids[1], ResourceType: 'instance', Value: 'prod' }]);

    const term = await aws(['terminate-instances', '--instance-ids', ...ids]);
    expect(term.TerminatingInstances.map((t: any) => t.CurrentState.Name)).toEqual(['shutting-down', 'shutting-down']);
    const after = await json<Array<{ Name: string; Status: string }>>('server', 'list');
    expect(after.filter((s) => s.Name.startsWith('ec2-instance') && s.Status !== 'DELETED')).toEqual([]);
  }, 600_000);

  it('a wrong secret gets AuthFailure', async () => {
    const err = await aws(['describe-regions'], 'not-the-secret').then(() => undefined, (e: { stderr?: string }) => e);
    expect(err?.stderr).toContain('(AuthFailure)');
  }, 60_000);

  it('an unknown action gets InvalidAction', async () => {
    const { stdout } = await run('/usr/bin/python3', ['-c', UNKNOWN_ACTION_PY, `${url}/ec2`, creds.access, creds.secret], { env, timeout: 60_000 });
    expect(stdout).toMatch(/^400 /);
    expect(stdout).toContain('<Code>InvalidAction</Code>');
  }, 60_000);
});
