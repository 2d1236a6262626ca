/**
 * The nova-network era APIs over the built-in flat network: security groups and rules (Nova's
 * validation and codes, the default group, in-use and peer-group rules), server add/remove, networks,
 * tenant networks, fixed IPs (admin, reserve/unreserve); all 404 from 2.36.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';

let fx: ApiFixture;
beforeEach(async () => { fx = await apiFixture(); });
afterEach(async () => { await fx.close(); });

type Group = { id: number; name: string; description: string; tenant_id: string; rules: Array<Record<string, unknown>> };
const V = '/compute/v2.1';

async function createGroup(name: string, as: 'demo' | 'alt' | 'admin' = 'demo'): Promise<Group> {
  const res = await fx.call('POST', `${V}/os-security-groups`, { as, body: { security_group: { name, description: `${name} desc` } } });
  expect(res.statusCode).toBe(200);
  return (res.json() as { security_group: Group }).security_group;
}

const boot = () => fx.createServer();

describe('os-security-groups', () => {
  it('create, show, update, list, delete; names keep their spaces; the default group exists', async () => {
    const g = await createGroup(' web tier ');
    expect(g).toMatchObject({ name: ' web tier ', description: ' web tier  desc', tenant_id: fx.project.demo, rules: [] });
    expect(typeof g.id).toBe('number');
    expect((await fx.call('GET', `${V}/os-security-groups/${g.id}`)).json()).toEqual({ security_group: g });
    const upd = await fx.call('PUT', `${V}/os-security-groups/${g.id}`, { body: { security_group: { name: 'web', description: 'new' } } });
    expect((upd.json() as { security_group: Group }).security_group).toMatchObject({ name: 'web', description: 'new' });
    const list = (await fx.call('GET', `${V}/os-security-groups`)).json() as { security_groups: Group[] };
    expect(list.security_groups.map((x) => x.name)).toEqual(['default', 'web']);
    expect((await fx.call('DELETE', `${V}/os-security-groups/${g.id}`)).statusCode).toBe(202);
    expect((await fx.call('GET', `${V}/os-security-groups/${g.id}`)).statusCode).toBe(404);
  });

  it('refuses bad names, duplicates, non-integer ids, the default group and other projects\' groups', async () => {
    const post = (security_group: unknown) => fx.call('POST', `${V}/os-security-groups`, { body: { security_group } });
    expect((await post({ name: '', description: 'd' })).statusCode).toBe(400);
    expect((await post({ name: '  ', description: 'd' })).statusCode).toBe(400);
    expect((await post({ name: 'x'.repeat(256), description: 'd' })).statusCode).toBe(400);
    expect((await post({ name: 'ok', description: 'd'.repeat(256) })).statusCode).toBe(400);
    const g = await createGroup('dup');
    expect((await post({ name: 'dup', description: 'd' })).statusCode).toBe(400);
    expect((await fx.call('PUT', `${V}/os-security-groups/sg-abc`, { body: { security_group: { name: 'n' } } })).statusCode).toBe(400);
    expect((await fx.call('PUT', `${V}/os-security-groups/${g.id}`, { body: { security_group: { name: 'n'.repeat(260) } } })).statusCode).toBe(400);
    expect((await fx.call('PUT', `${V}/os-security-groups/99999`, { body: { security_group: { name: 'n' } } })).statusCode).toBe(404);
    expect((await fx.call('DELETE', `${V}/os-security-groups/99999`)).statusCode).toBe(404);
    expect((await fx.call('DELETE', `${V}/os-security-groups/`)).statusCode).toBe(404);
    const groups = (await fx.call('GET', `${V}/os-security-groups`)).json() as { security_groups: Group[] };
    const def = groups.security_groups.find((x) => x.name === 'default')!;
    expect((await fx.call('DELETE', `${V}/os-security-groups/${def.id}`)).statusCode).toBe(400);
    // Another project's group is not found; an admin sees every project's with all_tenants.
    expect((await fx.call('GET', `${V}/os-security-groups/${g.id}`, { as: 'alt' })).statusCode).toBe(404);
    const alt = (await fx.call('GET', `${V}/os-security-groups?all_tenants=true`, { as: 'alt' })).json() as { security_groups: Group[] };
    expect(alt.security_groups.map((x) => x.id)).not.toContain(g.id);
    const all = (await fx.call('GET', `${V}/os-security-groups?all_tenants=true`, { as: 'admin' })).json() as { security_groups: Group[] };
    expect(all.security_groups.map((x) => x.id)).toContain(g.id);
  });

  it('is gone from 2.36', async () => {
    expect((await fx.call('GET', `${V}/os-security-groups`, { version: '2.36' })).statusCode).toBe(404);
    expect((await fx.call('GET', `${V}/os-networks`, { version: '2.36' })).statusCode).toBe(404);
    expect((await fx.call('GET', `${V}/os-fixed-ips/10.0.0.5`, { as: 'admin', version: '2.36' })).statusCode).toBe(404);
  });
});

describe('os-security-group-rules', () => {
  const rule = (body: Record<string, unknown>) => fx.call('POST', `${V}/os-security-group-rules`, { body: { security_group_rule: body } });

  it('a CIDR rule (0.0.0.0/0 by default), a group rule, duplicates 400, delete', async () => {
    const g = await createGroup('a');
    const peer = await createGroup('b');
    const r1 = await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22 });
    expect(r1.statusCode).toBe(200);
    expect((r1.json() as { security_group_rule: unknown }).security_group_rule).toMatchObject({
      parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, ip_range: { cidr: '0.0.0.0/0' }, group: {},
    });
    expect((await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22 })).statusCode).toBe(400);
    const r2 = (await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, group_id: peer.id })).json() as { security_group_rule: Record<string, unknown> };
    expect(r2.security_group_rule).toMatchObject({ ip_range: {}, group: { name: 'b', tenant_id: fx.project.demo } });
    const icmp = await rule({ parent_group_id: g.id, ip_protocol: 'icmp', from_port: -1, to_port: -1, cidr: '10.2.3.124/24' });
    expect(icmp.statusCode).toBe(200);
    let shown = (await fx.call('GET', `${V}/os-security-groups/${g.id}`)).json() as { security_group: Group };
    expect(shown.security_group.rules).toHaveLength(3);
    // Deleting the peer group drops the rule that names it.
    expect((await fx.call('DELETE', `${V}/os-security-groups/${peer.id}`)).statusCode).toBe(202);
    shown = (await fx.call('GET', `${V}/os-security-groups/${g.id}`)).json() as { security_group: Group };
    expect(shown.security_group.rules).toHaveLength(2);
    const id = (icmp.json() as { security_group_rule: { id: number } }).security_group_rule.id;
    expect((await fx.call('DELETE', `${V}/os-security-group-rules/${id}`)).statusCode).toBe(202);
    expect((await fx.call('DELETE', `${V}/os-security-group-rules/${id}`)).statusCode).toBe(404);
  });

  it('checks the parent, the protocol and the ports', async () => {
    const g = await createGroup('c');
    expect((await rule({ parent_group_id: 99999, ip_protocol: 'tcp', from_port: 22, to_port: 22 })).statusCode).toBe(404);
    expect((await rule({ parent_group_id: 'non_int_id', ip_protocol: 'tcp', from_port: 22, to_port: 22 })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id, ip_protocol: '999-proto', from_port: 22, to_port: 22 })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 65536, to_port: 22 })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 65536 })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 21 })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id, ip_protocol: 'icmp', from_port: 256, to_port: 0 })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/99' })).statusCode).toBe(400);
    expect((await rule({ parent_group_id: g.id })).statusCode).toBe(400);
    expect((await fx.call('DELETE', `${V}/os-security-group-rules/abc`)).statusCode).toBe(400);
  });
});

describe('servers and security groups', () => {
  it('add, list by server, refuse deleting a group in use, remove; unknown groups are 404 / 400', async () => {
    const id = await boot();
    const g = await createGroup('app');
    const act = (body: unknown) => fx.call('POST', `${V}/servers/${id}/action`, { body });
    expect((await act({ addSecurityGroup: { name: 'app' } })).statusCode).toBe(202);
    expect((await act({ addSecurityGroup: { name: 'app' } })).statusCode).toBe(400);
    expect((await act({ addSecurityGroup: { name: 'nope' } })).statusCode).toBe(404);
    const byServer = (await fx.call('GET', `${V}/servers/${id}/os-security-groups`)).json() as { security_groups: Group[] };
    expect(byServer.security_groups.map((x) => x.name)).toEqual(['default', 'app']);
    const server = (await fx.call('GET', `${V}/servers/${id}`)).json() as { server: { security_groups: Array<{ name: string }> } };
    expect(server.server.security_groups).toEqual([{ name: 'default' }, { name: 'app' }]);
    expect((await fx.call('DELETE', `${V}/os-security-groups/${g.id}`)).statusCode).toBe(400);
    expect((await act({ removeSecurityGroup: { name: 'app' } })).statusCode).toBe(202);
    expect((await act({ removeSecurityGroup: { name: 'app' } })).statusCode).toBe(400);
    // The openstack CLI names the group by its id.
    expect((await act({ addSecurityGroup: { name: g.id } })).statusCode).toBe(202);
    expect((await act({ removeSecurityGroup: { name: String(g.id) } })).statusCode).toBe(202);
    const other = await createGroup('alt-group', 'alt');
    expect((await act({ addSecurityGroup: { name: other.id } })).statusCode).toBe(404);
    expect((await fx.call('DELETE', `${V}/os-security-groups/${g.id}`)).statusCode).toBe(202);
  });

  it('a server boots in a named group; an unknown one is 400', async () => {
    await createGroup('boot-sg');
    const ok = await fx.call('POST', `${V}/servers`, { body: { server: { name: 'vm', imageRef: fx.plan.images[0]!.id, flavorRef: '1', security_groups: [{ name: 'boot-sg' }] } } });
    expect(ok.statusCode).toBe(202);
    const id = (ok.json() as { server: { id: string } }).server.id;
    const server = (await fx.call('GET', `${V}/servers/${id}`)).json() as { server: { security_groups: Array<{ name: string }> } };
    expect(server.server.security_groups).toEqual([{ name: 'boot-sg' }]);
    const bad = await fx.call('POST', `${V}/servers`, { body: { server: { name: 'vm', imageRef: fx.plan.images[0]!.id, flavorRef: '1', security_groups: [{ name: 'nope' }] } } });
    expect(bad.statusCode).toBe(400);
  });
});

describe('os-networks, os-tenant-networks, os-fixed-ips', () => {
  it('list and show the flat network; admins see nova-network\'s columns', async () => {
    const user = (await fx.call('GET', `${V}/os-networks`)).json() as { networks: Array<Record<string, unknown>> };
    expect(user.networks).toHaveLength(1);
    expect(Object.keys(user.networks[0]!).sort()).toEqual(['cidr', 'id', 'label']);
    const admin = (await fx.call('GET', `${V}/os-networks`, { as: 'admin' })).json() as { networks: Array<Record<string, unknown>> };
    expect(admin.networks[0]).toMatchObject({ label: 'private', cidr: '10.0.0.0/8', netmask: '255.0.0.0' });
    const id = user.networks[0]!['id'] as string;
    expect((await fx.call('GET', `${V}/os-networks/${id}`, { as: 'admin' })).statusCode).toBe(200);
    expect((await fx.call('GET', `${V}/os-networks/00000000-0000-4000-8000-000000000000`, { as: 'admin' })).statusCode).toBe(404);
    const tenant = (await fx.call('GET', `${V}/os-tenant-networks/${id}`)).json() as { network: Record<string, unknown> };
    expect(tenant.network).toEqual({ id, label: 'private', cidr: '10.0.0.0/8' });
    expect((await fx.call('POST', `${V}/os-networks`, { as: 'admin', body: { network: { label: 'x' } } })).statusCode).toBe(410);
    expect((await fx.call('POST', `${V}/os-networks`, { body: { network: { label: 'x' } } })).statusCode).toBe(403);
  });

  it('fixed IPs: the holder and its host for admins; reserve, unreserve; 403, 400, 404', async () => {
    const id = await boot();
    const server = (await fx.call('GET', `${V}/servers/${id}`)).json() as { server: { addresses: Record<string, Array<{ addr: string }>> } };
    const ip = server.server.addresses['private']![0]!.addr;
    const shown = (await fx.call('GET', `${V}/os-fixed-ips/${ip}`, { as: 'admin' })).json() as { fixed_ip: Record<string, unknown> };
    expect(shown.fixed_ip).toEqual({ address: ip, cidr: '10.0.0.0/8', host: 'host-a', hostname: 'vm' });
    expect((await fx.call('GET', `${V}/os-fixed-ips/${ip}`)).statusCode).toBe(403);
    expect((await fx.call('POST', `${V}/os-fixed-ips/${ip}/action`, { body: { reserve: null } })).statusCode).toBe(403);
    expect((await fx.call('POST', `${V}/os-fixed-ips/${ip}/action`, { as: 'admin', body: { reserve: 'None' } })).statusCode).toBe(202);
    const reserved = (await fx.call('GET', `${V}/os-fixed-ips/${ip}`, { as: 'admin', version: '2.4' })).json() as { fixed_ip: Record<string, unknown> };
    expect(reserved.fixed_ip['reserved']).toBe(true);
    expect((await fx.call('POST', `${V}/os-fixed-ips/${ip}/action`, { as: 'admin', body: { unreserve: 'None' } })).statusCode).toBe(202);
    expect(fx.store.network.isReserved(ip)).toBe(false);
    expect((await fx.call('POST', `${V}/os-fixed-ips/${ip}/action`, { as: 'admin', body: { invalid_action: 'None' } })).statusCode).toBe(400);
    expect((await fx.call('POST', `${V}/os-fixed-ips/my.invalid.ip/action`, { as: 'admin', body: { reserve: 'None' } })).statusCode).toBe(400);
    expect((await fx.call('GET', `${V}/os-fixed-ips/192.168.1.1`, { as: 'admin' })).statusCode).toBe(404);
  });
});
