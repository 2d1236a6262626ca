/**
 * Each broken topology file gives one precise error: file, line, column, field path and what was
 * expected. These strings are what an operator sees, so they are pinned exactly.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTopology, TopologyError, type TopologyIssue } from '../../../topology/index.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/topology/', import.meta.url));

function issuesOf(name: string): { file: string; issues: TopologyIssue[]; message: string } {
  const file = join(FIXTURES, name);
  try {
    loadTopology(file, { env: {} });
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    return { file, issues: e.issues, message: e.message };
  }
  throw new Error(`${name} loaded without errors`);
}

const cases: { fixture: string; line: number; col: number; path: string; message: string }[] = [
  {
    fixture: 'broken-range.yaml',
    line: 13, col: 18,
    path: 'cell.children[1].hosts[0].names',
    message: 'expected a range like compute[001:200]; "compute[300:201]" counts down (300 > 201)',
  },
  {
    fixture: 'broken-unknown-key.yaml',
    line: 6, col: 7,
    path: 'cell.children[0].hots',
    message: 'unknown key "hots"; did you mean "hosts"? expected one of: name, description, site, broker, database, nova, weight_offset, disabled, hosts, children',
  },
  {
    fixture: 'broken-cycle.yaml',
    line: 7, col: 11,
    path: 'cell.children[0].children[0]',
    message: 'cycle in the cell tree: alias *api makes cell "api" its own descendant',
  },
  {
    fixture: 'broken-duplicate-host.yaml',
    line: 13, col: 19,
    path: 'cell.children[1].hosts[0].names[0]',
    message: 'duplicate host "compute010": already defined in cell "api!eu" at cell.children[0].hosts[0].names',
  },
  {
    fixture: 'broken-unknown-flavor.yaml',
    line: 8, col: 11,
    path: 'defaults.flavor',
    message: 'unknown flavor "m1.smal"; did you mean "m1.small"? expected one of: m1.tiny, m1.small (define it under flavors:)',
  },
  {
    fixture: 'broken-bad-url.yaml',
    line: 7, col: 14,
    path: 'cell.children[0].broker.url',
    message: 'expected a URL with scheme mqtt:// or mqtts:// (like mqtt://broker.example.com:1883), got "http://"',
  },
  {
    fixture: 'broken-hosts-non-leaf.yaml',
    line: 7, col: 9,
    path: 'cell.children[0].hosts',
    message: 'only leaf cells may have hosts: cell "api!eu" has 1 child cell(s); move these hosts into a leaf cell',
  },
  {
    fixture: 'broken-unknown-site.yaml',
    line: 12, col: 13,
    path: 'cell.children[0].site',
    message: 'unknown site "eu/amz"; did you mean "eu/ams"? expected one of: eu/fra, eu/ams',
  },
  {
    fixture: 'broken-duplicate-cell.yaml',
    line: 7, col: 13,
    path: 'cell.children[2].name',
    message: 'duplicate cell name "eu": cell "api" already has a child of that name (cell.children[0])',
  },
  {
    fixture: 'broken-port-collision.yaml',
    line: 7, col: 22,
    path: 'cell.children[0].broker.port',
    message: 'port 1883 on 127.0.0.1 is already taken by the embedded broker of cell "api"',
  },
  {
    fixture: 'broken-unknown-project.yaml',
    line: 9, col: 46,
    path: 'users[1].project',
    message: 'unknown project "dmeo"; did you mean "demo"? expected one of: admin, demo (define it under projects:)',
  },
  {
    fixture: 'broken-unknown-aggregate.yaml',
    line: 11, col: 29,
    path: 'cell.children[0].hosts[0].aggregates[1]',
    message: 'unknown aggregate "gpu"; expected one of: ssd (define it under aggregates:)',
  },
  {
    fixture: 'broken-env.yaml',
    line: 8, col: 15,
    path: 'users[0].password',
    message: 'environment variable NOVACELL_TEST_UNSET_PASSWORD is not set (referenced as ${NOVACELL_TEST_UNSET_PASSWORD})',
  },
  {
    fixture: 'broken-json.json',
    line: 9, col: 86,
    path: 'cell.children[0].hosts[0].drvier',
    message: 'unknown key "drvier"; did you mean "driver"? expected one of: names, driver, driver_options, vcpus, memory_mb, disk_gb, availability_zone, aggregates, hypervisor_type, cpu_arch, traits',
  },
  {
    fixture: 'broken-yaml-syntax.yaml',
    line: 5, col: 1,
    path: '',
    message: 'not valid YAML: Sequence item without - indicator',
  },
];

describe('broken topology files', () => {
  for (const c of cases) {
    it(`${c.fixture} → ${c.line}:${c.col} ${c.path || '(file)'}`, () => {
      const { file, issues, message } = issuesOf(c.fixture);
      expect(issues).toEqual([{ file, line: c.line, col: c.col, path: c.path, message: c.message }]);
      expect(message).toBe(`${file}:${c.line}:${c.col} ${c.path || '(file)'}: ${c.message}`);
    });
  }

  it('reports every problem of a file at once, in file order', () => {
    const { file, message } = issuesOf('broken-types.yaml');
    expect(message.split('\n')).toEqual([
      `${file}:7:11 cell.children[0].hosts[0].disk_gb: required: expected a number`,
      `${file}:8:18 cell.children[0].hosts[0].vcpus: expected a number, got the string "sixteen"`,
      `${file}:11:5 flavors[0].disk: required: expected a number`,
    ]);
  });

  it('names Nova options in nova.conf terms and suggests the closest one', () => {
    const { file, message } = issuesOf('broken-nova-option.yaml');
    const [first, second] = message.split('\n');
    expect(first).toBe(`${file}:5:45 cell.nova["filter_scheduler.ram_weight_multiplier"]: expected a number, got the string "heavy"`);
    expect(second).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:5 cell\\.nova\\.cpu_alocation_ratio: unknown Nova option "cpu_alocation_ratio" .*did you mean "cpu_allocation_ratio"\\?`),
    );
  });

  it('says so when the file cannot be read', () => {
    const missing = join(FIXTURES, 'no-such-file.yaml');
    expect(() => loadTopology(missing)).toThrow(TopologyError);
    expect(() => loadTopology(missing)).toThrow(/no-such-file\.yaml:1:1 \(file\): cannot read the file: ENOENT/);
  });
});
