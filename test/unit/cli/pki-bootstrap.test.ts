/**
 * Mutual TLS by default with one process per cell: broker_tls' default in the plan (mutual for
 * processes, off for `up`), the API cell's first-start PKI (one CA even when two processes race for
 * it, every certificate once, a revoked one never re-issued, hosts added later issued), the wait for
 * certificate files ending in a usage error that names the command, and the pki dir's lock.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaStore, CertificateError, withPkiLock } from '../../../actors/cert/index.ts';
import { loadPlan, requireCell } from '../../../cli/deployment.ts';
import { awaitCertificates, bootstrapPki, cellCertificateNames } from '../../../cli/pki-bootstrap.ts';
import { UsageError } from '../../../cli/usage-error.ts';
import type { Logger } from '../../../runtime/log/index.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as unknown as Logger;

let dir: string;
let topology: string;
const yaml = (tls: string, hosts = 'h[1:2]') => `version: 1
name: t
data_dir: ${join(dir, 'data')}
${tls}
cell:
  name: api
  broker: {port: 21883}
  children:
    - name: fra1
      broker: {port: 21884}
      hosts: [{names: "${hosts}", vcpus: 4, memory_mb: 8192, disk_gb: 100}]
`;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-pki-'));
  topology = join(dir, 't.yaml');
  writeFileSync(topology, yaml(''));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("broker_tls' default", () => {
  it('is mutual with one process per cell and off for novacell up; an explicit mode is kept', () => {
    const multi = loadPlan(topology);
    expect(multi.brokerTls).toMatchObject({ mode: 'mutual', explicit: false });
    expect(multi.cells.map((c) => c.broker.url)).toEqual(['mqtts://127.0.0.1:21883', 'mqtts://127.0.0.1:21884']);
    const single = loadPlan(topology, {}, 'single');
    expect(single.brokerTls).toMatchObject({ mode: 'off', explicit: false });
    expect(single.cells.every((c) => c.broker.url.startsWith('mqtt://') && !c.broker.tls)).toBe(true);
    writeFileSync(topology, yaml('broker_tls: {mode: off}'));
    const off = loadPlan(topology);
    expect(off.brokerTls).toMatchObject({ mode: 'off', explicit: true });
    expect(off.cells.every((c) => !c.broker.tls)).toBe(true);
  });

  it('names the certificates a cell process presents', () => {
    const plan = loadPlan(topology);
    const api = requireCell(plan, 'api');
    expect(cellCertificateNames(api, undefined)).toEqual(['cell@api']);
    expect(cellCertificateNames(requireCell(plan, 'api!fra1'), api)).toEqual(['cell@api!fra1', 'link@api!fra1']);
  });
});

describe('the API cell on first start', () => {
  it('creates one CA and every certificate, even when two processes start at once', async () => {
    const plan = loadPlan(topology);
    const [a, b] = await Promise.all([bootstrapPki(plan, silent), bootstrapPki(plan, silent)]);
    // One of them made all six (2 cells, 1 link, 2 hosts, the API), the other found them made.
    expect([a.length, b.length].sort()).toEqual([0, 6]);
    const store = new CaStore(plan.brokerTls.pkiDir, Date.now);
    expect(store.records().map((r) => r.name).sort()).toEqual(['api', 'cell@api', 'cell@api!fra1', 'compute@h1', 'compute@h2', 'link@api!fra1']);
    expect(existsSync(join(plan.brokerTls.pkiDir, '.lock'))).toBe(false);
    expect(await bootstrapPki(plan, silent)).toEqual([]);
  });

  it('issues what the topology gained, and never again a certificate that was revoked', async () => {
    await bootstrapPki(loadPlan(topology), silent);
    const plan = loadPlan(topology);
    const store = new CaStore(plan.brokerTls.pkiDir, Date.now);
    await store.revoke('compute@h2');
    writeFileSync(topology, yaml('', 'h[1:3]'));
    expect(await bootstrapPki(loadPlan(topology), silent)).toEqual(['compute@h3']);
    expect(store.current('compute@h2')).toBeUndefined();
  });

  it('at a site with the CA certificate but not its key, issues nothing', async () => {
    const plan = loadPlan(topology);
    await bootstrapPki(plan, silent);
    rmSync(join(plan.brokerTls.pkiDir, 'ca.key'));
    rmSync(join(plan.brokerTls.pkiDir, 'compute@h1.crt'));
    expect(await bootstrapPki(plan, silent)).toEqual([]);
    expect(existsSync(join(plan.brokerTls.pkiDir, 'compute@h1.crt'))).toBe(false);
  });
});

describe('a process waiting for its certificate', () => {
  const noSleep = () => Promise.resolve();

  it('gives up with the command that issues it and how to turn mTLS off', async () => {
    const plan = loadPlan(topology);
    const wait = awaitCertificates(plan, ['compute@h1'], { topologyFile: 't.yaml', log: silent, waitMs: 1000, sleep: noSleep });
    await expect(wait).rejects.toThrow(UsageError);
    const msg = await awaitCertificates(plan, ['compute@h1'], { topologyFile: 't.yaml', log: silent, waitMs: 1000, sleep: noSleep }).catch((e: Error) => e.message);
    expect(msg).toContain('novacell cert issue --topology t.yaml --name compute@h1');
    expect(msg).toContain('compute@h1.crt');
    expect(msg).toContain('novacell cell run --cell api');
    expect(msg).toContain('broker_tls: {mode: off}');
  });

  it('does not run its wait down while a live process holds the pki dir (the API cell still issuing)', async () => {
    const plan = loadPlan(topology);
    const pki = plan.brokerTls.pkiDir;
    mkdirSync(pki, { recursive: true });
    writeFileSync(join(pki, '.lock'), `${process.ppid}\n`);
    let polls = 0;
    const sleep = async () => {
      // 40 polls of 250 ms is twice the 5 s wait; then the holder finishes and the files appear.
      if (++polls === 40) {
        rmSync(join(pki, '.lock'));
        await bootstrapPki(plan, silent);
      }
    };
    await awaitCertificates(plan, ['compute@h1'], { topologyFile: 't.yaml', log: silent, waitMs: 5000, sleep });
    expect(polls).toBe(40);
  });

  it('goes on as soon as the files appear', async () => {
    const plan = loadPlan(topology);
    let polls = 0;
    const sleep = async () => {
      if (++polls === 3) await bootstrapPki(plan, silent);
    };
    await awaitCertificates(plan, ['compute@h1'], { topologyFile: 't.yaml', log: silent, waitMs: 20_000, sleep });
    expect(polls).toBe(3);
  });
});

describe("the pki dir's lock", () => {
  it('serializes holders, and takes over a lock whose process is gone', async () => {
    const pki = join(dir, 'pki');
    const order: string[] = [];
    let release!: () => void;
    const first = withPkiLock(pki, async () => {
      order.push('first in');
      await new Promise<void>((r) => (release = r));
      order.push('first out');
    });
    const second = withPkiLock(pki, async () => void order.push('second'), { sleep: async () => release?.() });
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    // A lock left by a dead process (pid 2^22+1 is above Linux's pid_max default).
    mkdirSync(pki, { recursive: true });
    writeFileSync(join(pki, '.lock'), '4194305\n');
    expect(await withPkiLock(pki, async () => 'taken over')).toBe('taken over');
    expect(existsSync(join(pki, '.lock'))).toBe(false);
  });

  it('gives up on a live holder with a clear error', async () => {
    const pki = join(dir, 'pki');
    mkdirSync(pki, { recursive: true });
    writeFileSync(join(pki, '.lock'), `${process.ppid}\n`);
    await expect(withPkiLock(pki, async () => 'never', { timeoutMs: 300, sleep: () => Promise.resolve() })).rejects.toThrow(CertificateError);
    expect(readFileSync(join(pki, '.lock'), 'utf8')).toBe(`${process.ppid}\n`);
  });
});
