/**
 * End to end through libvirtd: `novacell up topology/examples/libvirt.yaml`, the guest image
 * registered AMI-style, and the `openstack` CLI: create --wait → ACTIVE with the banner and fixed IP
 * on the console, stop/start (libvirt's domain state follows), delete → the domain and its files gone.
 * libvirtd is started by hand when none runs (there is no systemd here), and stopped again after.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovacellUp, ROOT } from '../support/novacell-up.ts';
import { findOpenstackCli } from '../support/openstack-cli.ts';
import { guestImage } from '../support/guest-image.ts';
import { ensureLibvirtd, libvirtInstalled, type Libvirtd } from '../support/libvirtd.ts';
import { until } from '../support/waits.ts';

const CLI = findOpenstackCli();
const READY = !!CLI && libvirtInstalled();
const TITLE = READY
  ? 'real guests under libvirtd through the openstack CLI (topology/examples/libvirt.yaml)'
  : 'real guests under libvirtd through the openstack CLI (SKIPPED: needs python3-openstackclient and libvirt-daemon-system)';
const virsh = (...args: string[]) => execFileSync('virsh', ['-q', '-c', 'qemu:///system', ...args], { encoding: 'utf8' }).trim();

describe.skipIf(!READY)(TITLE, { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'novacell-libvirt-e2e-'));
  const home = mkdtempSync(join(tmpdir(), 'novacell-libvirt-home-'));
  const up = new NovacellUp(join(ROOT, 'topology', 'examples', 'libvirt.yaml'), dataDir, home, CLI ?? '');
  let daemon: Libvirtd | undefined;
  let id = '';
  const status = async () => (await up.json<{ status: string; 'OS-EXT-STS:task_state': string | null }>('server', 'show', 'lv-vm'));
  const waitStatus = (want: string) => until(want, async () => {
    const s = await status();
    return s.status === want && !s['OS-EXT-STS:task_state'];
  }, 180_000);

  beforeAll(async () => {
    guestImage();
    daemon = await ensureLibvirtd(dataDir);
    await up.start();
    await up.script('register-guest-image.sh');
  }, 400_000);

  afterAll(async () => {
    if (id) {
      try {
        virsh('destroy', `novacell-${id}`);
      } catch {
        // not running
      }
      try {
        virsh('undefine', '--managed-save', `novacell-${id}`);
      } catch {
        // not defined
      }
    }
    await up.stop();
    daemon?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('create --wait, console banner with its uuid and fixed IP, stop/start, delete', async () => {
    const t0 = performance.now();
    const s = await up.json<{ id: string; status: string }>('server', 'create', '--flavor', 'm1.nano', '--image', 'novacell-guest', '--wait', 'lv-vm');
    process.stderr.write(`[e2e libvirt] lv-vm: create --wait → ${s.status} in ${Math.round(performance.now() - t0)} ms\n`);
    id = s.id;
    expect(s.status).toBe('ACTIVE');
    expect(virsh('domstate', `novacell-${id}`)).toBe('running');
    const log = await up.openstack('console', 'log', 'show', 'lv-vm');
    expect(log).toMatch(new RegExp(`=== novacell guest: instance ${id} hostname lv-vm ip 10\\.101\\.\\d+\\.\\d+/24`));

    await up.openstack('server', 'stop', 'lv-vm');
    await waitStatus('SHUTOFF');
    expect(virsh('domstate', `novacell-${id}`)).toBe('shut off');
    await up.openstack('server', 'start', 'lv-vm');
    await waitStatus('ACTIVE');
    expect(virsh('domstate', `novacell-${id}`)).toBe('running');

    await up.openstack('server', 'delete', '--wait', 'lv-vm');
    expect(virsh('list', '--all', '--name')).not.toContain(id);
    expect(existsSync(join(dataDir, 'instances', 'lv01', id))).toBe(false);
  });
});
