/**
 * resolvePlan: full names, ports, databases, hosts, zones and deterministic ids; and the whole-file
 * checks behind them (port and zone conflicts, references), plus generateTopology for large trees.
 */
import { describe, expect, it } from 'vitest';
import {
  deterministicUuid,
  findCell,
  generateTopology,
  parseTopology,
  resolvePlan,
  TopologyError,
  validateTopology,
} from '../../../topology/index.ts';

const load = (yaml: string, env: Record<string, string> = {}) => parseTopology(yaml, 't.yaml', { env });
const plan = (yaml: string, env: Record<string, string> = {}) => resolvePlan(load(yaml, env));

function errorOf(yaml: string, env: Record<string, string> = {}): string {
  try {
    load(yaml, env);
  } catch (e) {
    if (e instanceof TopologyError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

const HOSTS = 'vcpus: 4, memory_mb: 8192, disk_gb: 100';

describe('embedded broker ports', () => {
  it('count up from broker_base_port in tree order, skipping ports already claimed', () => {
    const p = plan(`
broker_base_port: 5000
cell:
  name: api
  children:
    - {name: a, broker: {port: 5001}}
    - name: b
      children: [{name: b1}]
    - {name: c, broker: {url: "mqtt://mq.example.net"}}
`);
    expect(p.cells.map((c) => [c.path, c.broker.kind === 'embedded' ? c.broker.port : c.broker.url])).toEqual([
      ['api', 5000], ['api!a', 5001], ['api!b', 5002], ['api!b!b1', 5003], ['api!c', 'mqtt://mq.example.net'],
    ]);
  });

  it('let the system pick every port when broker_base_port is 0', () => {
    const p = plan('broker_base_port: 0\ncell: {name: api, children: [{name: a}, {name: b}]}');
    expect(p.cells.map((c) => c.broker)).toEqual(
      ['api', 'a', 'b'].map(() => ({ kind: 'embedded', host: '127.0.0.1', port: 0, url: 'mqtt://127.0.0.1:0' })),
    );
  });

  it('may share a port number on different hosts, but not with the API', () => {
    const p = plan('cell: {name: api, broker: {host: 10.0.0.1, port: 1883}, children: [{name: a, broker: {host: 10.0.0.2, port: 1883}}]}');
    expect(p.cells.map((c) => c.broker.url)).toEqual(['mqtt://10.0.0.1:1883', 'mqtt://10.0.0.2:1883']);
    expect(errorOf('cell: {name: api, broker: {port: 8774}}')).toBe(
      't.yaml:1:34 cell.broker.port: port 8774 on 127.0.0.1 is already taken by the API (api.listen)',
    );
  });

  it('reject credentials on an embedded broker and a port on an external one', () => {
    expect(errorOf('cell: {name: api, broker: {url: "mqtt://mq", port: 1883}}')).toBe(
      't.yaml:1:52 cell.broker.port: "port" applies only to embedded brokers (without url)',
    );
    expect(errorOf('cell: {name: api, broker: {password: x}}')).toBe(
      't.yaml:1:38 cell.broker.password: "password" applies only to external brokers (with url)',
    );
  });
});

describe('databases', () => {
  it('default to one SQLite file per cell under data_dir, named by the cell path', () => {
    const p = plan('data_dir: /srv/nc\ncell: {name: api, children: [{name: eu, children: [{name: fra1}]}]}');
    expect(p.cells.map((c) => c.database)).toEqual([
      { kind: 'sqlite', file: '/srv/nc/api.sqlite' },
      { kind: 'sqlite', file: '/srv/nc/api.eu.sqlite' },
      { kind: 'sqlite', file: '/srv/nc/api.eu.fra1.sqlite' },
    ]);
  });

  it('resolve relative paths against baseDir when one is given', () => {
    const t = load('cell: {name: api, database: {file: db/top.sqlite}, children: [{name: a}]}');
    expect(resolvePlan(t, { baseDir: '/etc/novacell' }).cells.map((c) => c.database)).toEqual([
      { kind: 'sqlite', file: '/etc/novacell/db/top.sqlite' },
      { kind: 'sqlite', file: '/etc/novacell/data/api.a.sqlite' },
    ]);
    expect(resolvePlan(t, { baseDir: '/etc/novacell' }).dataDir).toBe('/etc/novacell/data');
  });

  it('reject two cells sharing a file, and file and url together', () => {
    expect(errorOf('cell: {name: api, children: [{name: a, database: {file: data/api.sqlite}}]}')).toBe(
      't.yaml:1:57 cell.children[0].database.file: database file "data/api.sqlite" is already used by cell "api"',
    );
    expect(errorOf('cell: {name: api, database: {file: x.sqlite, url: "postgres://db/nova"}}')).toBe(
      't.yaml:1:51 cell.database.url: expected either "file" (SQLite) or "url" (PostgreSQL), not both',
    );
  });

  it('accept PostgreSQL URLs only', () => {
    expect(errorOf('cell: {name: api, database: {url: "mysql://db/nova"}}')).toBe(
      't.yaml:1:35 cell.database.url: expected a URL with scheme postgres:// or postgresql:// (like postgres://nova:secret@db.example.com:5432/nova_cell1), got "mysql://"',
    );
    expect(errorOf('cell: {name: api, database: {url: "not a url"}}')).toBe(
      't.yaml:1:35 cell.database.url: expected a URL like postgres://nova:secret@db.example.com:5432/nova_cell1',
    );
  });
});

describe('hosts and zones', () => {
  it('take their zone from the group, else an aggregate, else [DEFAULT] default_availability_zone', () => {
    const p = plan(`
cell:
  name: api
  nova: {default_availability_zone: zone0}
  children:
    - name: a
      hosts:
        - {names: "a[1:2]", ${HOSTS}, availability_zone: az1}
        - {names: b1, ${HOSTS}, aggregates: [fast]}
        - {names: c1, ${HOSTS}, driver: libvirt, driver_options: {uri: "qemu:///system"}}
aggregates:
  fast: {availability_zone: az2, metadata: {fast: true, level: 3}}
`);
    expect(p.hosts.map((h) => [h.name, h.availability_zone, h.hypervisor_type])).toEqual([
      ['a1', 'az1', 'fake'], ['a2', 'az1', 'fake'], ['b1', 'az2', 'fake'], ['c1', 'zone0', 'QEMU'],
    ]);
    expect(p.aggregates).toEqual([
      { id: 1, uuid: deterministicUuid('aggregate', 'fast'), name: 'fast', availability_zone: 'az2', metadata: { fast: 'true', level: '3' }, hosts: ['b1'] },
    ]);
    expect(p.availabilityZones).toEqual([{ name: 'az1', hosts: 2 }, { name: 'az2', hosts: 1 }, { name: 'zone0', hosts: 1 }]);
  });

  it('reject a host placed in two zones', () => {
    expect(errorOf(`
cell:
  name: api
  hosts:
    - {names: x1, ${HOSTS}, availability_zone: az1, aggregates: [fast]}
aggregates:
  fast: {availability_zone: az2}
`)).toBe('t.yaml:5:79 cell.hosts[0].availability_zone: availability zone "az1" contradicts aggregate zone "az2"; set one or make them equal');
  });

  it('reject driver options of another driver', () => {
    expect(errorOf(`cell: {name: api, hosts: [{names: x1, ${HOSTS}, driver: libvirt, driver_options: {spawn_time_ms: 5}}]}`)).toBe(
      't.yaml:1:129 cell.hosts[0].driver_options.spawn_time_ms: "spawn_time_ms" is an option of the fake driver, not of libvirt',
    );
  });

  it('report the first of many duplicates of an overlapping range once', () => {
    expect(errorOf(`cell: {name: api, hosts: [{names: "c[1:10]", ${HOSTS}}, {names: "c[5:20]", ${HOSTS}}]}`)).toBe(
      't.yaml:1:96 cell.hosts[1].names: duplicate host "c5" (and 5 more from "c[5:20]"): already defined in cell "api" at cell.hosts[0].names',
    );
  });
});

describe('catalog', () => {
  const yaml = `
cell: {name: api}
flavors:
  - {name: m1.tiny, vcpus: 1, ram: 512, disk: 1}
  - {name: custom, id: 42, vcpus: 2, ram: 1024, disk: 10, extra_specs: {"hw:cpu_policy": dedicated, "hw:numa_nodes": 1}}
images:
  - {name: cirros, properties: {hw_architecture: x86_64}}
  - {name: private, id: 0b5e3f7e-2f0c-4c6e-9d3a-3f7f0e2a9c11, owner: demo, visibility: private}
projects:
  - {name: demo}
users:
  - {name: demo, password: "\${DEMO_PASSWORD:-fallback}", project: demo}
  - {name: literal, password: "pa$\${NOT_A_VAR}", project: demo, roles: [reader, member]}
`;

  it('derives missing ids from names, the same on every load', () => {
    const a = plan(yaml);
    const b = plan(yaml);
    expect(a.flavors.map((f) => f.id)).toEqual([deterministicUuid('flavor', 'm1.tiny'), '42']);
    expect(a.flavors[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.images[0]!.id).toBe(deterministicUuid('image', 'cirros'));
    expect(a.images[1]!.id).toBe('0b5e3f7e-2f0c-4c6e-9d3a-3f7f0e2a9c11');
    expect(a.projects[0]!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toEqual(a);
  });

  it('stringifies extra specs and links owners and users to project ids', () => {
    const p = plan(yaml);
    expect(p.flavors[1]!.extra_specs).toEqual({ 'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': '1' });
    expect(p.images[1]!.owner).toBe(p.projects[0]!.id);
    expect(p.users.map((u) => [u.name, u.projectId, u.roles])).toEqual([
      ['demo', p.projects[0]!.id, ['member']],
      ['literal', p.projects[0]!.id, ['reader', 'member']],
    ]);
  });

  it('substitutes ${VAR}, falls back on ${VAR:-x}, and keeps $${VAR} literal', () => {
    expect(plan(yaml).users.map((u) => u.password)).toEqual(['fallback', 'pa${NOT_A_VAR}']);
    expect(plan(yaml, { DEMO_PASSWORD: 'from-env' }).users[0]!.password).toBe('from-env');
  });

  it('rejects duplicate names and unknown owners', () => {
    expect(errorOf(`
cell: {name: api}
flavors:
  - {name: m1.tiny, vcpus: 1, ram: 512, disk: 1}
  - {name: m1.tiny, vcpus: 1, ram: 512, disk: 1}
images:
  - {name: img, owner: nobody}
`).split('\n')).toEqual([
      't.yaml:5:12 flavors[1].name: duplicate flavor name "m1.tiny": already used by flavors[0]',
      't.yaml:7:24 images[0].owner: unknown project "nobody"; none are defined (define it under projects:)',
    ]);
  });
});

describe('YAML conveniences', () => {
  it('ignore top-level x- keys and merge anchors with <<', () => {
    const p = plan(`
x-small: &small {vcpus: 2, memory_mb: 4096, disk_gb: 40}
cell:
  name: api
  hosts:
    - {<<: *small, names: "s[1:2]"}
    - <<: *small
      names: big1
      vcpus: 64
`);
    expect(p.hosts.map((h) => [h.name, h.vcpus, h.memory_mb])).toEqual([['s1', 2, 4096], ['s2', 2, 4096], ['big1', 64, 4096]]);
  });

  it('point errors inside a merged profile at the profile', () => {
    expect(errorOf(`
x-bad: &bad {vcpus: 0, memory_mb: 4096, disk_gb: 40}
cell: {name: api, hosts: [{<<: *bad, names: x1}]}
`)).toBe('t.yaml:2:21 cell.hosts[0].vcpus: expected at least 1 vCPU');
  });
});

describe('generateTopology', () => {
  it('builds api → region → site → leaf cells with hosts by range', () => {
    const t = generateTopology({ regions: 2, sitesPerRegion: 2, cellsPerSite: 3, hostsPerCell: 10 });
    const p = resolvePlan(t);
    expect(p.cells).toHaveLength(1 + 2 + 4 + 12);
    expect(p.hosts).toHaveLength(120);
    expect(findCell(p, 'api!r2!s2!c3')!.hostNames[0]).toBe('r2s2c3-compute001');
    expect(findCell(p, 'api!r2!s2!c3')!.site?.ref).toBe('r2/s2');
    expect(new Set(p.cells.filter((c) => c.broker.kind === 'embedded').map((c) => (c.broker as { port: number }).port)).size).toBe(19);
    expect(p.defaults.flavor?.name).toBe('m1.small');
  });

  it('is deterministic and scales to 10^5 hosts', () => {
    const o = { regions: 10, sitesPerRegion: 10, cellsPerSite: 20, hostsPerCell: 50, brokerBasePort: 0 };
    const p = resolvePlan(generateTopology(o));
    expect(p.cells).toHaveLength(1 + 10 + 100 + 2000);
    expect(p.hosts).toHaveLength(100_000);
    expect(resolvePlan(generateTopology({ regions: 1, sitesPerRegion: 1 }))).toEqual(resolvePlan(generateTopology({ regions: 1, sitesPerRegion: 1 })));
  });

  it('passes Nova options to the API cell, inherited everywhere', () => {
    const p = resolvePlan(generateTopology({ regions: 1, sitesPerRegion: 1, cellsPerSite: 1, nova: { cpu_allocation_ratio: 2 } }));
    expect(p.cells.every((c) => c.nova.DEFAULT.cpu_allocation_ratio === 2)).toBe(true);
  });
});

describe('validateTopology', () => {
  it('checks objects built in code with the same rules, naming the source', () => {
    expect(() => validateTopology({ cell: { name: 'api', hosts: [{ names: 'x[2:1]', vcpus: 1, memory_mb: 1, disk_gb: 1 }] } }, 'scenario.yaml#topology')).toThrow(
      'scenario.yaml#topology:1:1 cell.hosts[0].names: expected a range like compute[001:200]; "x[2:1]" counts down (2 > 1)',
    );
  });
});
