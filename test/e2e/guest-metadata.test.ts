/**
 * End to end: a real QEMU guest configures itself from nova-api-metadata and its config drive.
 * `novacell up topology/examples/qemu.yaml` as a child process, the guest image of
 * scripts/make-guest-image.sh, and the `openstack` CLI: `server create --key-name k --user-data
 * file --config-drive True`. The guest's serial console (openstack console log show) must show what
 * it read from the config drive (ISO labelled config-2) and from http://169.254.169.254 (through its
 * metadata link and per-guest signing proxy): its uuid, its hostname, the key pair's public key, and
 * the marker its user-data script echoed. The guest also posts a password to the metadata service,
 * which `GET /servers/{id}/os-server-password` then returns, as Nova keeps it. One guest (it is slow
 * under TCG). Skipped, saying so, without the openstack CLI, QEMU or genisoimage.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovacellUp, ROOT } from '../support/novacell-up.ts';
import { findOpenstackCli } from '../support/openstack-cli.ts';
import { guestImage } from '../support/guest-image.ts';
import { until } from '../support/waits.ts';

const CLI = findOpenstackCli();
const has = (cmd: string) => {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const READY = !!CLI && has('qemu-system-x86_64') && has('genisoimage') && existsSync('/usr/bin/ssh-keygen');
const TITLE = READY
  ? 'a real QEMU guest reads its metadata service and its config drive (openstack CLI)'
  : 'a real QEMU guest reads its metadata service and its config drive (SKIPPED: needs python3-openstackclient, qemu-system-x86, genisoimage)';

interface Server {
  id: string;
  status: string;
}

describe.skipIf(!READY)(TITLE, { timeout: 400_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'novacell-md-e2e-'));
  const home = mkdtempSync(join(tmpdir(), 'novacell-md-home-'));
  const up = new NovacellUp(join(ROOT, 'topology', 'examples', 'qemu.yaml'), dataDir, home, CLI ?? '');
  const marker = `user-data-marker-${process.pid}`;
  let server: Server | undefined;
  let publicKey = '';
  const guestDir = () => join(dataDir, 'instances', 'qemu01', server!.id);

  beforeAll(async () => {
    guestImage();
    await up.start();
    await up.script('register-guest-image.sh');
    const keyFile = join(home, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'md-e2e', '-f', keyFile]);
    publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    await up.openstack('keypair', 'create', '--public-key', `${keyFile}.pub`, 'k');
    // The user-data script: echoes the marker, then posts a password as a guest agent would.
    writeFileSync(join(home, 'user-data'), [
      '#!/bin/sh',
      `echo "${marker}"`,
      "timeout 10 wget -q -O - --post-data 'encrypted-by-the-guest' http://169.254.169.254/openstack/latest/password >/dev/null && echo password-posted",
      '',
    ].join('\n'));
  }, 400_000);

  afterAll(async () => {
    if (server) {
      const pidFile = join(guestDir(), 'qemu.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(server.id)) process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('server create --key-name --user-data --config-drive True: the guest prints what its config drive and the metadata service told it', async () => {
    const t0 = performance.now();
    server = await up.json<Server>('server', 'create', '--flavor', 'm1.nano', '--image', 'novacell-guest', '--availability-zone', 'qemu',
      '--key-name', 'k', '--user-data', join(home, 'user-data'), '--config-drive', 'True', '--wait', 'md1');
    expect(server.status).toBe('ACTIVE');
    const id = server.id;
    // On the host: the ISO (0600) and the proxy's socket beside the guest's other files.
    expect(statSync(join(guestDir(), 'disk.config')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(guestDir(), 'metadata.sock'))).toBe(true);

    const log = await until('the guest finished reading its metadata', async () => {
      const l = await up.openstack('console', 'log', 'show', 'md1');
      return /=== novacell metadata service: (user-data|unreachable)/.test(l) ? l : undefined;
    }, 240_000);
    process.stderr.write(`[e2e metadata] md1: create → metadata read in ${Math.round(performance.now() - t0)} ms\n`);
    process.stderr.write(`${log.split('\n').filter((l) => l.includes('=== novacell') || l.includes(marker)).join('\n')}\n`);

    // The config drive, read first as cloud-init does.
    expect(log).toMatch(new RegExp(`=== novacell config drive /dev/vd[a-z]: instance ${id} hostname md1 ===`));
    expect(log).toMatch(new RegExp(`=== novacell config drive /dev/vd[a-z]: public key k ${publicKey.replace(/[+/.]/g, '\\$&')} ===`));
    expect(log).toMatch(/=== novacell config drive \/dev\/vd[a-z]: user-data \d+ bytes ===/);
    expect(log).toContain('=== novacell hostname set to md1');
    expect(log).toContain('=== novacell key k installed in /root/.ssh/authorized_keys');
    expect(log).toContain(marker);
    expect(log).toContain('password-posted');

    // The metadata service at 169.254.169.254, answering for this instance only.
    expect(log).toContain(`=== novacell metadata service: instance ${id} hostname md1 ===`);
    expect(log).toContain(`=== novacell metadata service: public key k ${publicKey} ===`);
    expect(log).toMatch(/=== novacell metadata service: ec2 instance-id i-[0-9a-f]{17} key ssh-ed25519 /);
    expect(log).toMatch(/=== novacell metadata service: user-data \d+ bytes ===/);
  });

  it('the password the guest posted is the server password (os-server-password), kept with the instance', async () => {
    const token = (await up.openstack('token', 'issue', '-f', 'value', '-c', 'id')).trim();
    const compute = `${up.url}/compute/v2.1`;
    const get = async () => {
      const r = await fetch(`${compute}/servers/${server!.id}/os-server-password`, { headers: { 'X-Auth-Token': token } });
      expect(r.status).toBe(200);
      return ((await r.json()) as { password: string }).password;
    };
    expect(await until('password', async () => ((await get()) === 'encrypted-by-the-guest' ? true : undefined), 30_000)).toBe(true);
    const del = await fetch(`${compute}/servers/${server!.id}/os-server-password`, { method: 'DELETE', headers: { 'X-Auth-Token': token } });
    expect(del.status).toBe(204);
    expect(await until('password cleared', async () => ((await get()) === '' ? true : undefined), 30_000)).toBe(true);
  });

  it('server delete stops the guest and its metadata proxy', async () => {
    const dir = guestDir();
    await up.openstack('server', 'delete', '--wait', 'md1');
    expect(existsSync(join(dir, 'metadata.sock'))).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
