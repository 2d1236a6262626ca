/**
 * The pieces of the one-process-per-cell commands that need no running deployment: the secrets file
 * (made once, mode 0600, shared by racing processes), finding cells and hosts with usage errors that
 * list the choices, fixed broker ports, logins per principal, URLs fit for logs, and the status table.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTopology } from '../../../topology/load.ts';
import { resolvePlan } from '../../../topology/plan.ts';
import { ensureSecrets, readSecrets } from '../../../cli/secrets.ts';
import { brokerLogin, brokerUrl, requireCell, requireHost } from '../../../cli/deployment.ts';
import { redactUrl } from '../../../cli/cell-run-helpers.ts';
import { renderStatus } from '../../../cli/status-render.ts';
import { UsageError } from '../../../cli/usage-error.ts';
import { brokerPassword } from '../../../cells/security/index.ts';
import { emptyCapacity } from '../../../cells/capacity/capacity.ts';
import type { CellStatus } from '../../../cells/tree/status.ts';

const plan = resolvePlan(parseTopology(`
broker_base_port: 0
cell:
  name: api
  broker: {port: 1900}
  children:
    - name: eu
      broker: {url: "mqtt://mq.example.net:1883", username: nova-eu, password: pw}
      children:
        - name: fra1
          hosts: [{names: "fra1-c[1:3]", vcpus: 4, memory_mb: 4096, disk_gb: 10}]
flavors: [{name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}]
`, 't.yaml'));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the secrets file', () => {
  it('is made once with mode 0600, and a second caller reads the same secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-secrets-'));
    dirs.push(dir);
    const file = join(dir, 'sub', 'secrets.json');
    const a = ensureSecrets(file);
    const b = ensureSecrets(file);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.secrets.broker_secret).toBe(a.secrets.broker_secret);
    expect(a.secrets.broker_secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSecrets(file)).toEqual(a.secrets);
  });

  it('names the file when it is missing or not a secrets file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-secrets-'));
    dirs.push(dir);
    expect(() => readSecrets(join(dir, 'none.json'))).toThrow(/none\.json: no secrets file/);
    writeFileSync(join(dir, 'bad.json'), '{"version": 1, "broker_secret": "short"}');
    expect(() => readSecrets(join(dir, 'bad.json'))).toThrow(/bad\.json: not a novacell secrets file/);
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toContain('short');
  });
});

describe('cells, hosts and logins', () => {
  it('finds cells by full name and suggests the full name for a short one', () => {
    expect(requireCell(plan, 'api!eu!fra1').isLeaf).toBe(true);
    expect(() => requireCell(plan, 'fra1')).toThrow(UsageError);
    expect(() => requireCell(plan, 'fra1')).toThrow('did you mean "api!eu!fra1"?');
    const leaf = requireCell(plan, 'api!eu!fra1');
    expect(requireHost(plan, leaf, 'fra1-c2').name).toBe('fra1-c2');
    expect(() => requireHost(plan, leaf, 'fra1-c9')).toThrow('(its hosts: fra1-c1, fra1-c2, fra1-c3)');
    expect(() => requireHost(plan, requireCell(plan, 'api'), 'fra1-c1')).toThrow('belongs to cell "api!eu!fra1"');
  });

  it('needs fixed ports for embedded brokers', () => {
    expect(brokerUrl(requireCell(plan, 'api'))).toBe('mqtt://127.0.0.1:1900');
    expect(() => brokerUrl(requireCell(plan, 'api!eu!fra1'))).toThrow(/no fixed port/);
  });

  it("derives logins, except a cell's own on an external broker, which the topology names", () => {
    const s = 'c'.repeat(64);
    const eu = requireCell(plan, 'api!eu');
    expect(brokerLogin(eu, { kind: 'cell', cell: 'api!eu' }, s)).toEqual({ url: 'mqtt://mq.example.net:1883', username: 'nova-eu', password: 'pw', ca: undefined });
    expect(brokerLogin(eu, { kind: 'link', child: 'api!eu!fra1' }, s)).toMatchObject({
      username: 'link@api!eu!fra1', password: brokerPassword(s, 'api!eu', 'link@api!eu!fra1'),
    });
    expect(brokerLogin(requireCell(plan, 'api'), { kind: 'cell', cell: 'api' }, s).password).toBe(brokerPassword(s, 'api', 'cell@api'));
  });

  it('keeps passwords out of URLs it prints', () => {
    expect(redactUrl('postgres://nova:s3cret@db.example.net:5432/nova')).toBe('postgres://nova:***@db.example.net:5432/nova');
    expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  });
});

describe('the status table', () => {
  it('shows each cell with its link and rolled-up capacity, and unknown cells below a silent one', () => {
    const cap = { ...emptyCapacity(), hosts: 3, hostsUp: 3, vcpus: 192, vcpusFree: 190, memoryMb: 15360, memoryMbFree: 14336, diskGb: 30, diskGbFree: 28, units: { '1': 28 } };
    const s: CellStatus = {
      cell: 'api', role: 'api', capacity: cap, instances: 2,
      children: [{ cell: 'api!eu', link: 'muted', lastHeardMsAgo: 400_000, reported: cap, inFlight: 0, error: 'Timed out' }],
    };
    expect(renderStatus(s, plan).split('\n')).toEqual([
      'CELL               LINK                         HOSTS UP  VCPUS FREE  RAM FREE (MB)  DISK FREE (GB)  INSTANCES  FITS (per flavor)',
      'api                top                          3/3       190/192     14336/15360    28/30           2          m1.tiny=28',
      '└─ api!eu          muted, no answer: Timed out  3/3       190/192     14336/15360    28/30                      m1.tiny=28',
      '   └─ api!eu!fra1  unknown                      ?         ?           ?              ?',
      '',
    ]);
  });
});
