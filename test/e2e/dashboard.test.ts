/**
 * The dashboard in a real browser (Debian's Chromium via puppeteer-core):
 * 1. `novacell up` (quickstart): log in, see four cells and 20 hosts; create a server with the
 *    openstack CLI and watch the instance count and the free capacity change without a reload;
 *    disable a host with confirmation; move through the tree with the keyboard.
 * 2. one process per cell: stop a child cell's process and see it marked down and muted.
 * Screenshots go to artifacts/dashboard/; no console errors are allowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, login, openPage, text, type BrowserPage } from '../support/browser.ts';
import { NovacellProcess } from '../support/novacell-process.ts';
import { findOpenstackCli, openstackCli } from '../support/openstack-cli.ts';
import { freePorts } from '../support/process-tree.ts';
import { startUp, type Up } from '../support/up-process.ts';

const CLI = findOpenstackCli();
const SKIP = !CHROMIUM ? 'apt-get install -y chromium' : !CLI ? 'apt-get install -y python3-openstackclient' : undefined;
const TITLE = `the dashboard in Chromium${SKIP ? ` (SKIPPED: ${SKIP})` : ''}`;

let up: Up | undefined;
let b: BrowserPage | undefined;
let b2: BrowserPage | undefined;
const procs: NovacellProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await b?.browser.close();
  await b2?.browser.close();
  await up?.proc.stop();
  await Promise.all(procs.map((p) => p.stop()));
  for (const d of [...dirs, ...(up ? [up.dir] : [])]) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!!SKIP)(TITLE, () => {
  it('shows the quickstart live: a server created with the CLI changes the counts without a reload', { timeout: 240_000 }, async () => {
    up = await startUp();
    b = await openPage();
    const { page } = b;
    await login(page, up.url, 'admin', 'secretadmin', 'admin');
    await page.waitForFunction(() => document.querySelector('#total-hosts')?.textContent === '20', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#tree [role=treeitem]').length === 4, { timeout: 30_000 });
    expect(await page.$$eval('#tree [role=treeitem]', (els) => els.map((e) => e.getAttribute('data-path')))).toEqual(['api', 'api!cell1', 'api!cell2', 'api!cell2!cell2a']);
    await page.waitForFunction(() => document.querySelectorAll('#hosts tbody tr').length === 20, { timeout: 30_000 });
    expect(await text(page, '#total-instances')).toBe('0');
    expect(await text(page, '#cell-vcpus-free')).toBe('3,200 of 3,200');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await b.screenshot('1-quickstart');

    // The test's own environment (no clean HOME), as an operator's shell would have it.
    const { openstack } = openstackCli({ cli: CLI!, cloudsYaml: up.cloudsYaml, log: () => up?.proc.stdout() });
    await openstack('server', 'create', '--flavor', 'm1.large', '--image', 'cirros-0.6.2-x86_64-disk', '--wait', 'dash-1');

    // Live: one instance, 4 vCPU less free at the top, and the page was never reloaded.
    await page.waitForFunction(() => document.querySelector('#total-instances')?.textContent === '1', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#cell-vcpus-free')?.textContent === '3,196 of 3,200', { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    expect(await text(page, '#cell-instances')).toBe('1 active');
    await page.waitForSelector('#instances tbody tr button');
    expect(await text(page, '#instances tbody tr th')).toBe('dash-1');
    await b.screenshot('2-after-create');

    // The instance's path through the tree and its actions.
    await page.click('#instances tbody tr button');
    await page.waitForFunction(() => (document.querySelector('#instance-body')?.textContent ?? '').includes('create'), { timeout: 15_000 });
    const path = await page.$$eval('#instance-body .path li', (els) => els.map((e) => e.textContent));
    expect(path[0]).toBe('api');
    expect(path.length).toBeGreaterThanOrEqual(3);
    await b.screenshot('3-instance');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#instance:not([open])');

    // Disable a host, with confirmation.
    await page.click('#hosts tbody tr[data-host=compute01] button');
    await page.waitForSelector('#confirm[open]');
    expect(await text(page, '#confirm-text')).toMatch(/^Disable compute host compute01 in api!cell1\?/);
    await page.click('#confirm-ok');
    await page.waitForFunction(() => (document.querySelector('#hosts tbody tr[data-host=compute01] td:nth-child(3)')?.textContent ?? '').startsWith('disabled'), { timeout: 30_000 });
    const status = await openstack('compute', 'service', 'list', '--service', 'nova-compute', '--host', 'compute01', '-f', 'value', '-c', 'Status');
    expect(status.trim()).toBe('disabled');

    // Keyboard: focus the tree, move down twice, Enter selects api!cell2.
    await page.focus('#tree [role=treeitem][tabindex="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#cell h2')?.textContent?.startsWith('api!cell2'));
    await b.screenshot('4-keyboard-cell2');
    expect(b.errors).toEqual([]);
    await b.page.close();
  });

  it('marks a child cell down and muted when its process stops (one process per cell)', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-dash-'));
    dirs.push(dir);
    const [p0, p1, p2] = await freePorts(3);
    const topology = join(dir, 'topology.yaml');
    writeFileSync(topology, `version: 1
name: dash
data_dir: ${join(dir, 'data')}
regions:
  eu: {sites: {fra: {lat: 50.11, lon: 8.68}, ams: {lat: 52.37, lon: 4.90}}}
cell:
  name: api
  site: eu/fra
  broker: {port: ${p0}}
  nova: {DEFAULT: {report_interval: 2}, cells: {capacity_report_interval: 5}}
  children:
    - name: fra1
      site: eu/fra
      broker: {port: ${p1}}
      hosts: [{names: "f[1:3]", vcpus: 8, memory_mb: 16384, disk_gb: 100}]
    - name: ams1
      site: eu/ams
      broker: {port: ${p2}}
      hosts: [{names: "a[1:2]", vcpus: 8, memory_mb: 16384, disk_gb: 100}]
flavors: [{name: m1.tiny, id: "1", vcpus: 1, ram: 512, disk: 1}]
projects: [{name: admin}]
users: [{name: admin, password: dash-secret, project: admin, roles: [admin]}]
`);
    const cell = (path: string, extra: string[] = []) => {
      const p = new NovacellProcess(path, ['cell', 'run', '--topology', topology, '--cell', path, ...extra], join(dir, `${path}.log`));
      procs.push(p);
      return p;
    };
    const api = cell('api', ['--http-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0']);
    // The API cell's process (which also serves the OpenStack APIs) is ready once its children are up.
    const fra = cell('api!fra1');
    const ams = cell('api!ams1');
    const [line] = await Promise.all([api.waitFor(/ready/, 120_000), fra.waitFor(/ready/, 120_000), ams.waitFor(/ready/, 120_000)]);
    const url = /dashboard (http:\/\/\S+)\/dashboard\//.exec(line)![1]!;

    // A browser of its own: the first test closed its page, and screenshots go through this one's.
    b2 = await openPage();
    const { page, errors } = b2;
    await login(page, url, 'admin', 'dash-secret', 'admin');
    const label = (path: string) => page.$eval(`#tree [data-path="${path}"]`, (e) => e.getAttribute('aria-label'));
    await page.waitForFunction(() => document.querySelector('#total-hosts')?.textContent === '5', { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#tree [data-path="api!ams1"]')?.getAttribute('aria-label') === 'api!ams1, link up', { timeout: 30_000 });
    expect(await page.$$eval('#map .site', (els) => els.map((e) => e.getAttribute('data-site')).sort())).toEqual(['eu/ams', 'eu/fra']);
    await b2.screenshot('5-multi-process');

    await ams.stop();
    await page.waitForFunction(() => document.querySelector('#tree [data-path="api!ams1"]')?.getAttribute('aria-label') === 'api!ams1, link down, muted', { timeout: 30_000 });
    expect(await label('api!fra1')).toBe('api!fra1, link up');
    await page.click('#tree [data-path="api!ams1"] .row');
    await page.waitForFunction(() => document.querySelector('#cell-link')?.textContent?.startsWith('down'));
    expect(await text(page, '#cell-muted')).toBe('yes');
    // The map marks Amsterdam red; its hosts are unknown now.
    expect(await page.$eval('#map .site[data-site="eu/ams"] circle', (e) => e.getAttribute('fill'))).toBe('#c62828');
    await b2.screenshot('6-child-down');
    expect(errors).toEqual([]);
  });
});
